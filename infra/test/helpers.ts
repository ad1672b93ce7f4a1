import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, cdkJsonContext } from '../bin/pricebook.ts';

export interface Synthesized {
  service: Template;
  registry: Template;
  /** The raw validation report (cdk-nag + CloudFormation validator), when synthesized with validation. */
  report: { pluginReports: Array<{ pluginName: string; conclusion: string; violations: Array<{ ruleName: string; severity: string; violatingConstructs: Array<{ constructPath: string }> }> }> };
  app: App;
}

/**
 * Synthesizes the real app (both stacks, cdk-nag registered) with cdk.json's context plus `extra`,
 * into a temporary directory. No credentials, no network.
 */
export function synth(extra: Record<string, unknown> = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'pricebook-cdk-'));
  try {
    const app = new App({ outdir, context: { ...cdkJsonContext(), ...extra } });
    const { registry, service } = buildApp(app);
    const assembly = app.synth();
    let report: Synthesized['report'] = { pluginReports: [] };
    try {
      report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
    } catch {
      // No report file: validation did not run (CDK_VALIDATION=false) or found nothing to report.
    }
    return {
      app,
      report,
      service: Template.fromJSON(JSON.parse(readFileSync(join(outdir, `${service.artifactId}.template.json`), 'utf8'))),
      registry: Template.fromJSON(JSON.parse(readFileSync(join(outdir, `${registry.artifactId}.template.json`), 'utf8'))),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
