#!/usr/bin/env node
// `npm run synth` (plain tsx) or `npx cdk synth`: writes the CloudFormation templates to cdk.out/.
// No AWS credentials or network needed: both stacks are environment-agnostic (no lookups).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RegistryStack } from '../lib/registry-stack.ts';
import { ServiceStack } from '../lib/service-stack.ts';
import { settingsFromContext } from '../lib/settings.ts';

export function buildApp(app: App): { registry: RegistryStack; service: ServiceStack } {
  const settings = settingsFromContext(app);
  const service = new ServiceStack(app, 'Pricebook', {
    settings,
    description: 'pricebook: VPC (no NAT), RDS PostgreSQL, ECS Fargate behind an ALB, alarms and dashboard',
  });
  const registry = new RegistryStack(app, 'PricebookRegistry', {
    settings,
    serviceStackName: service.stackName,
    description: 'pricebook: ECR repository and the GitHub Actions deploy role',
  });
  // AWS Solutions rules run at synthesis; every finding must be fixed or acknowledged with a reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { registry, service };
}

/** cdk.json's context, for runs without the CDK CLI (which passes it itself). */
export function cdkJsonContext(): Record<string, unknown> {
  const file = fileURLToPath(new URL('../cdk.json', import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const underCli = process.env.CDK_OUTDIR !== undefined;
  const app = new App(
    underCli ? {} : { outdir: fileURLToPath(new URL('../cdk.out', import.meta.url)), context: cdkJsonContext() },
  );
  buildApp(app);
  app.synth();
}
