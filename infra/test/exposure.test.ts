// What the service trusts and what it exposes behind the load balancer (issue 12 points 5 and 12):
// TRUST_PROXY=1 (one proxy: the ALB), the metrics port published nowhere, and /metrics answered
// 404 by the load balancer itself on the listener that forwards to the tasks.
process.env.CDK_VALIDATION ??= 'false';

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';
import { NOT_FOUND_HTML } from '../lib/load-balancer.ts';
import { synth } from './helpers.ts';

type Resource = { Type: string; Properties: Record<string, any> };
const METRICS_PORT = 9464;
const withCertificate = {
  certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000',
};

const resourcesOf = (t: Template, type: string) => Object.entries(t.findResources(type)) as Array<[string, Resource]>;

function environmentOf(t: Template): Record<string, string> {
  const [[, taskDef] = []] = resourcesOf(t, 'AWS::ECS::TaskDefinition');
  const [container] = taskDef?.Properties.ContainerDefinitions as Array<{
    Environment: Array<{ Name: string; Value: string }>;
  }>;
  return Object.fromEntries((container?.Environment ?? []).map((e) => [e.Name, e.Value]));
}

describe('TRUST_PROXY behind the ALB', () => {
  test('the task trusts exactly one proxy hop (the ALB), not every X-Forwarded-For entry', () => {
    assert.equal(environmentOf(synth().service).TRUST_PROXY, '1');
  });

  test('the Copilot service sets the same', () => {
    const manifest = parse(
      readFileSync(fileURLToPath(new URL('../../copilot/pricebook/manifest.yml', import.meta.url)), 'utf8'),
    ) as { variables: Record<string, string> };
    assert.equal(manifest.variables.TRUST_PROXY, '1');
  });
});

describe('metrics stay off the public listeners', () => {
  for (const [name, context] of Object.entries({ 'HTTP only': {}, 'with a certificate': withCertificate })) {
    test(`${name}: nothing publishes the metrics port (no port mapping, listener, target group or security-group rule)`, () => {
      const t = synth(context).service;
      const [[, taskDef] = []] = resourcesOf(t, 'AWS::ECS::TaskDefinition');
      const mappings = (
        taskDef?.Properties.ContainerDefinitions as Array<{ PortMappings: Array<{ ContainerPort: number }> }>
      )
        .flatMap((c) => c.PortMappings)
        .map((m) => m.ContainerPort);
      assert.deepEqual(mappings, [8000]);
      for (const [id, listener] of resourcesOf(t, 'AWS::ElasticLoadBalancingV2::Listener')) {
        assert.ok([80, 443].includes(listener.Properties.Port), `${id} listens on ${listener.Properties.Port}`);
      }
      for (const [, group] of resourcesOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup')) {
        assert.equal(group.Properties.Port, 8000);
      }
      const rules = [
        ...resourcesOf(t, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties),
        ...resourcesOf(t, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => r.Properties),
        ...resourcesOf(t, 'AWS::EC2::SecurityGroup').flatMap(([, sg]) => [
          ...((sg.Properties.SecurityGroupIngress as unknown[]) ?? []),
          ...((sg.Properties.SecurityGroupEgress as unknown[]) ?? []),
        ]),
      ] as Array<{ FromPort?: number; ToPort?: number; IpProtocol?: string }>;
      assert.ok(rules.length > 5);
      for (const rule of rules) {
        assert.notEqual(rule.IpProtocol, '-1', 'no all-traffic rule');
        const covers = (rule.FromPort ?? 0) <= METRICS_PORT && METRICS_PORT <= (rule.ToPort ?? 65535);
        assert.ok(!covers, `a rule opens ${METRICS_PORT}: ${JSON.stringify(rule)}`);
      }
      assert.doesNotMatch(JSON.stringify(t.toJSON()), new RegExp(`\\b${METRICS_PORT}\\b`));
    });

    test(`${name}: the forwarding listener answers /metrics and /metrics/* with the service's 404 page`, () => {
      const t = synth(context).service;
      const forwarding = resourcesOf(t, 'AWS::ElasticLoadBalancingV2::Listener').filter(([, l]) =>
        (l.Properties.DefaultActions as Array<{ Type: string }>).some((a) => a.Type === 'forward'),
      );
      assert.equal(forwarding.length, 1);
      const [[listenerId, listener] = []] = forwarding;
      assert.equal(listener?.Properties.Port, 'certificateArn' in context ? 443 : 80);
      const rules = resourcesOf(t, 'AWS::ElasticLoadBalancingV2::ListenerRule');
      assert.equal(rules.length, 1);
      const [[, rule] = []] = rules;
      assert.deepEqual(rule?.Properties.ListenerArn, { Ref: listenerId });
      assert.deepEqual(rule?.Properties.Conditions, [
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/metrics', '/metrics/*'] } },
      ]);
      assert.deepEqual(rule?.Properties.Actions, [
        {
          Type: 'fixed-response',
          FixedResponseConfig: { StatusCode: '404', ContentType: 'text/html', MessageBody: NOT_FOUND_HTML },
        },
      ]);
      // It is evaluated before the default action (forward), whatever other rules come later.
      assert.equal(rule?.Properties.Priority, 1);
    });
  }

  test("the 404 page is the service's own (src/http/not-found.ts)", () => {
    const source = readFileSync(fileURLToPath(new URL('../../src/http/not-found.ts', import.meta.url)), 'utf8');
    assert.ok(source.includes(`'${NOT_FOUND_HTML}'`), 'the same HTML as the service answers for an unknown path');
  });

  test('the Copilot service publishes port 8000 only', () => {
    const text = readFileSync(fileURLToPath(new URL('../../copilot/pricebook/manifest.yml', import.meta.url)), 'utf8');
    const manifest = parse(text) as { image: { port: number }; http: { healthcheck: { port: number } } };
    assert.equal(manifest.image.port, 8000);
    assert.equal(manifest.http.healthcheck.port, 8000);
    assert.doesNotMatch(text.replace(/^\s*#.*$/gm, ''), /9464|METRICS_PORT/);
  });
});
