// The service stack is composed of parts (issue 14 point 7), and the split replaces nothing deployed:
// every logical ID of the stack as it was before (fixtures/service-logical-ids.json, taken from
// `cdk synth` of the one-constructor stack) is still there with the same resource type.
process.env.CDK_VALIDATION ??= 'false';

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { StackOfParts, StackPart } from '../lib/part.ts';
import { synth } from './helpers.ts';

const before = JSON.parse(
  readFileSync(new URL('./fixtures/service-logical-ids.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, string>>;

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

describe('service stack parts', () => {
  for (const [name, context] of Object.entries(variants)) {
    test(`${name}: every resource of the one-constructor stack keeps its logical ID and type`, () => {
      const resources = synth(context).service.toJSON().Resources as Record<string, { Type: string }>;
      const expected = before[name];
      assert.ok(expected && Object.keys(expected).length > 60, `fixture for ${name}`);
      const missing = Object.entries(expected).filter(([id, type]) => resources[id]?.Type !== type);
      assert.deepEqual(missing, [], 'these would be replaced (deleted and created anew) on deploy');
    });
  }

  test('names CDK derives from construct paths are unchanged too', () => {
    const t = synth().service;
    // A new policy name would replace the scaling policy; the secret is in the fixture by ID.
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyName: 'PricebookServiceTaskCountTargetCpuScaling4EDC0019',
    });
    t.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      DBSubnetGroupDescription: 'Subnet group for Database database',
    });
  });

  test('the stack is network, database, service, load balancer and monitoring', () => {
    const { app } = synth();
    const stack = app.node.findChild('Pricebook');
    const parts = stack.node.children.filter((c) => c instanceof StackPart).map((c) => c.node.id);
    assert.deepEqual(parts, ['Network', 'Database', 'Service', 'LoadBalancer', 'Monitoring']);
  });
});

describe('StackOfParts', () => {
  class Part extends StackPart {
    constructor(scope: Construct, id: string, build: (part: Part) => void) {
      super(scope, id);
      build(this);
    }
  }
  const resourceIds = (build: (stack: StackOfParts) => void): string[] => {
    const app = new App();
    const stack = new StackOfParts(app, 'S');
    build(stack);
    return Object.keys(Template.fromStack(stack).toJSON().Resources).sort();
  };
  const twoGroups = (scope: Construct) => {
    const vpc = new ec2.Vpc(scope, 'Vpc', { natGateways: 0, maxAzs: 1, subnetConfiguration: [] });
    const a = new ec2.SecurityGroup(scope, 'A', { vpc, allowAllOutbound: false });
    const b = new ec2.SecurityGroup(scope, 'B', { vpc, allowAllOutbound: false });
    a.addIngressRule(b, ec2.Port.tcp(5432)); // its construct ID embeds B's unique ID
  };

  test('resources inside a part get the logical IDs they would have in the stack itself', () => {
    const direct = resourceIds((stack) => {
      twoGroups(stack);
      new logs.LogGroup(stack, 'Logs');
    });
    const inParts = resourceIds((stack) => {
      new Part(stack, 'Network', twoGroups);
      new Part(stack, 'Logging', (part) => new logs.LogGroup(part, 'Logs'));
    });
    assert.ok(
      direct.some((id) => id.startsWith('AfromSB')),
      direct.join(' '),
    );
    assert.deepEqual(inParts, direct);
  });

  test("a part's Default child is named after the part", () => {
    const direct = resourceIds((stack) => new logs.LogGroup(stack, 'Logs'));
    const inPart = resourceIds((stack) => new Part(stack, 'Logs', (part) => new logs.LogGroup(part, 'Default')));
    assert.deepEqual(inPart, direct);
  });

  test('two parts with a child of the same name fail synthesis instead of sharing a logical ID', () => {
    assert.throws(
      () =>
        resourceIds((stack) => {
          new Part(stack, 'One', (part) => new logs.LogGroup(part, 'Logs'));
          new Part(stack, 'Two', (part) => new logs.LogGroup(part, 'Logs'));
        }),
      /already contains/,
    );
  });
});
