// When to stop caching. An answer kept under the change token pays only when the same read comes
// again before the next write; when the data changes faster than reads repeat, asking the token
// costs a round trip (on PostgreSQL) that rarely pays. After CHURN_CHANGES new tokens within
// CHURN_WINDOW asks, the token is not asked for BYPASS_MS (reads go to the database), then again.

const CHURN_WINDOW = 32;
const CHURN_CHANGES = 4;
const BYPASS_MS = 1000;

export interface ChurnOptions {
  /** The clock, in milliseconds (tests give their own). */
  now?: () => number;
}

/**
 * The change token for caching: `changeToken`'s, or undefined (without asking it) while the data
 * churns. An answer cached under a token is valid only under that same token.
 */
export function tokenForCaching(
  changeToken: () => Promise<string | undefined>,
  { now = performance.now.bind(performance) }: ChurnOptions = {},
): () => Promise<string | undefined> {
  let bypassUntil = 0;
  let lastToken: string | undefined;
  let asks = 0;
  let changes = 0;

  /** Counts an ask answered with `token`; true when the data changes too often for caching to pay. */
  const churning = (token: string | undefined): boolean => {
    if (token !== lastToken) {
      lastToken = token;
      changes++;
    }
    if (++asks < CHURN_WINDOW) return false;
    const churn = changes >= CHURN_CHANGES;
    asks = 0;
    changes = 0;
    return churn;
  };

  return async () => {
    if (bypassUntil > now()) return undefined;
    const token = await changeToken();
    if (churning(token)) bypassUntil = now() + BYPASS_MS;
    return token;
  };
}
