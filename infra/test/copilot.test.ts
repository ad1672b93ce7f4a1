// The Copilot manifests promise the same health check and alarms as the CDK stack.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

const dir = fileURLToPath(new URL('../../copilot/pricebook/', import.meta.url));
// CloudFormation short-form tags (!Ref, !Sub, …) are kept as tagged values.
const cfnTags = ['Ref', 'Sub', 'GetAtt', 'If', 'Not', 'Equals', 'ImportValue', 'Join', 'Select'].map((tag) => ({
  tag: `!${tag}`,
  resolve: (value: unknown) => ({ [tag]: value }),
}));
const load = (path: string) => {
  const doc = parseDocument(readFileSync(path, 'utf8'), { customTags: cfnTags as never });
  assert.deepEqual(doc.errors, []);
  return doc.toJS() as Record<string, any>;
};

test('Load Balanced Web Service: /healthz healthy 3 unhealthy 5 interval 10s timeout 5s, 0.25 vCPU / 512 MiB', () => {
  const m = load(`${dir}manifest.yml`);
  assert.equal(m.type, 'Load Balanced Web Service');
  assert.deepEqual(
    {
      path: m.http.healthcheck.path,
      healthy: m.http.healthcheck.healthy_threshold,
      unhealthy: m.http.healthcheck.unhealthy_threshold,
      interval: m.http.healthcheck.interval,
      timeout: m.http.healthcheck.timeout,
    },
    { path: '/healthz', healthy: 3, unhealthy: 5, interval: '10s', timeout: '5s' },
  );
  assert.equal(m.image.port, 8000);
  assert.equal(m.cpu, 256);
  assert.equal(m.memory, 512);
  assert.equal(m.variables.LOG_FILE, '');
  assert.deepEqual(Object.keys(m.secrets).sort(), ['PGDATABASE', 'PGHOST', 'PGPASSWORD', 'PGPORT', 'PGUSER']);
});

test('alarms addon: the three alarms of the CDK stack, to one SNS topic', () => {
  const t = load(`${dir}addons/alarms.yml`);
  const alarms = Object.values(t.Resources).filter((r: any) => r.Type === 'AWS::CloudWatch::Alarm') as any[];
  assert.equal(alarms.length, 3);
  const cpu = alarms.find((a) => a.Properties.MetricName === 'CPUUtilization').Properties;
  assert.deepEqual([cpu.Statistic, cpu.Period, cpu.EvaluationPeriods, cpu.Threshold], ['Average', 300, 1, 80]);
  const mem = alarms.find((a) => a.Properties.MetricName === 'MemoryUtilization').Properties;
  assert.deepEqual([mem.Statistic, mem.Period, mem.EvaluationPeriods, mem.Threshold], ['Average', 60, 2, 75]);
  const http = alarms.find((a) => a.Properties.Metrics).Properties;
  assert.equal(http.Threshold, 5);
  assert.equal(http.EvaluationPeriods, 1);
  assert.deepEqual(
    http.Metrics.filter((m: any) => m.MetricStat).map((m: any) => [m.MetricStat.Metric.MetricName, m.MetricStat.Period]),
    [
      ['HTTPCode_ELB_5XX_Count', 60],
      ['HTTPCode_Target_5XX_Count', 60],
    ],
  );
  for (const a of alarms) {
    assert.equal(a.Properties.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    assert.deepEqual(a.Properties.AlarmActions, [{ Ref: 'AlarmTopic' }]);
  }
});
