// cdk-nag (AWS Solutions pack) and aws-cdk-lib's offline CloudFormation validator, made fatal by
// `@aws-cdk/core:validateAgainstDefaultRules: true` (cdk.json): the validating synth of CI.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { cdkJsonContext } from '../bin/pricebook.ts';
import { synth } from './helpers.ts';

delete process.env.CDK_VALIDATION;

/** Every `Validations.of(x).acknowledge()` recorded in the construct tree: rule id -> reason. */
function acknowledgements(app: App): Array<{ path: string; id: string; reason: string }> {
  const found: Array<{ path: string; id: string; reason: string }> = [];
  for (const node of app.node.findAll() as IConstruct[]) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        found.push({ path: node.node.path, id, reason: String(reason ?? '') });
      }
    }
  }
  return found;
}

const variants: Record<string, Record<string, unknown>> = {
  'cdk.json defaults': {},
  'every option on': {
    githubRepository: 'acme/pricebook',
    createGithubOidcProvider: true,
    alarmEmail: 'ops@example.com',
    monthlyBudgetUsd: 150,
    certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000',
    multiAz: true,
  },
};

describe('validating synth', () => {
  test('cdk.json makes CloudFormation validation errors fatal', () => {
    assert.equal(cdkJsonContext()['@aws-cdk/core:validateAgainstDefaultRules'], true);
  });

  for (const [name, context] of Object.entries(variants)) {
    test(`${name}: zero unacknowledged cdk-nag or CloudFormation findings, every acknowledgement has a reason`, () => {
      // synth() throws ValidationFailed on any error-level finding; warnings are checked below.
      const { report, app } = synth(context);
      const findings = report.pluginReports.flatMap((p) =>
        p.violations.map((v) => `${p.pluginName} ${v.severity} ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`),
      );
      assert.deepEqual(findings, []);
      // aws-cdk-lib acknowledges a few of its own CloudFormation-Validate false positives; ours are
      // the AwsSolutions ones, each with a written reason.
      const acks = acknowledgements(app).filter((a) => a.id.includes('AwsSolutions-'));
      assert.ok(acks.length >= 8, `expected the documented acknowledgements, got ${acks.length}`);
      for (const ack of acks) {
        assert.ok(ack.reason.length >= 40, `${ack.path} ${ack.id}: a written reason is required`);
      }
      const others = acknowledgements(app).filter((a) => !a.id.includes('AwsSolutions-'));
      for (const ack of others) assert.match(ack.id, /^CloudFormation-Validate::/, `${ack.path} ${ack.id}`);
    });
  }

  test('negative control: cdk-nag is active and fails synthesis on an unacknowledged finding', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'pricebook-nag-'));
    try {
      const app = new App({ outdir, context: { ...cdkJsonContext() } });
      const stack = new Stack(app, 'Control');
      const sg = new ec2.SecurityGroup(stack, 'Open', { vpc: new ec2.Vpc(stack, 'Vpc', { natGateways: 0 }) });
      sg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(22));
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      const stderr = console.error;
      console.error = () => {}; // the failing report is expected here
      try {
        assert.throws(() => app.synth(), /Validation failed/);
      } finally {
        console.error = stderr;
      }
      const report = readFileSync(join(outdir, 'validation-report.json'), 'utf8');
      assert.match(report, /AwsSolutions-EC23/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
