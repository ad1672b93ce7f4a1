#!/usr/bin/env bash
# Fails when a production dependency has a known vulnerability of high or critical severity.
# Needs the npm registry's advisory endpoint. Where the registry in reach does not offer it (the
# CI machines of this workplace answer 405), it says so and does not fail: the GitHub Actions
# workflow runs the same check against the public registry with STRICT_AUDIT=1.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(npm audit --omit=dev --audit-level=high 2>&1); rc=$?
echo "$out" | tail -n 20
if [ $rc -ne 0 ] && echo "$out" | grep -qE 'audit endpoint returned an error|ENOTFOUND|EAI_AGAIN|405 Method Not Allowed'; then
  if [ -n "${STRICT_AUDIT:-}" ]; then echo "audit: the advisory endpoint is not reachable"; exit 1; fi
  echo "audit: SKIPPED — the registry in reach has no advisory endpoint (checked in GitHub Actions instead)"
  exit 0
fi
exit $rc
