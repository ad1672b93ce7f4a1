// What the synthesized CloudFormation says, resource by resource (issue 4, "Infra").
// Validation plugins are not what is tested here; CDK_VALIDATION=false skips the
// built-in CloudFormation validator to keep this file fast (nag.test.ts runs it).
process.env.CDK_VALIDATION ??= 'false';

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { synth } from './helpers.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

function only(template: Template, type: string, props: Record<string, unknown> = {}): [string, Resource] {
  const found = Object.entries(template.findResources(type, props ? { Properties: props } : {})) as Array<
    [string, Resource]
  >;
  assert.equal(found.length, 1, `expected exactly one ${type} matching ${JSON.stringify(props)}, got ${found.length}`);
  return found[0] as [string, Resource];
}

describe('service stack (defaults)', () => {
  let t: Template;
  before(() => {
    t = synth().service;
  });

  test('image comes from an ECR repository name + tag parameter, no Docker asset', () => {
    const params = t.toJSON().Parameters as Record<string, { Type: string; Default?: string }>;
    assert.equal(params.ImageRepository?.Type, 'String');
    assert.equal(params.ImageRepository?.Default, 'pricebook');
    assert.equal(params.ImageTag?.Type, 'String');
    const [, taskDef] = only(t, 'AWS::ECS::TaskDefinition');
    const image = JSON.stringify((taskDef.Properties.ContainerDefinitions as Array<{ Image: unknown }>)[0]?.Image);
    assert.match(image, /"Ref":"ImageRepository"/);
    assert.match(image, /"Ref":"ImageTag"/);
    assert.doesNotMatch(JSON.stringify(t.toJSON()), /cdk-hnb659fds-container-assets/);
  });

  test('VPC: public + private subnets in 2 AZs, no NAT gateway', () => {
    t.resourceCountIs('AWS::EC2::VPC', 1);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.resourceCountIs('AWS::EC2::EIP', 0);
    t.resourceCountIs('AWS::EC2::Subnet', 6);
    t.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true }, 2);
    t.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false }, 4);
    // Only the public route tables route to the internet gateway.
    const routes = Object.values(t.findResources('AWS::EC2::Route')) as Resource[];
    assert.equal(routes.length, 2);
    for (const r of routes) {
      assert.equal(r.Properties.DestinationCidrBlock, '0.0.0.0/0');
      assert.ok(r.Properties.GatewayId, 'route goes to the internet gateway');
      assert.equal(r.Properties.NatGatewayId, undefined);
    }
    t.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  test('VPC endpoints: ECR api + dkr, CloudWatch Logs, Secrets Manager (interface) and S3 (gateway)', () => {
    const endpoints = Object.values(t.findResources('AWS::EC2::VPCEndpoint')) as Resource[];
    const services = endpoints.map((e) => {
      const name = JSON.stringify(e.Properties.ServiceName);
      return `${e.Properties.VpcEndpointType}:${name.match(/\.(ecr\.api|ecr\.dkr|logs|secretsmanager|s3)"/)?.[1]}`;
    });
    assert.deepEqual(services.sort(), [
      'Gateway:s3',
      'Interface:ecr.api',
      'Interface:ecr.dkr',
      'Interface:logs',
      'Interface:secretsmanager',
    ]);
    for (const e of endpoints.filter((x) => x.Properties.VpcEndpointType === 'Interface')) {
      assert.equal(e.Properties.PrivateDnsEnabled, true);
    }
  });

  test('ECS cluster with Container Insights', () => {
    t.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterName: 'pricebook',
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });

  test('Fargate task: 0.25 vCPU / 512 MiB, ARM64, port 8000, logs to CloudWatch, DB parts from the secret', () => {
    const [, taskDef] = only(t, 'AWS::ECS::TaskDefinition', {
      Family: 'pricebook',
      Cpu: '256',
      Memory: '512',
      NetworkMode: 'awsvpc',
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    const [container, ...others] = taskDef.Properties.ContainerDefinitions as Array<Record<string, unknown>>;
    assert.equal(others.length, 0);
    assert.ok(container);
    assert.equal(container.Name, 'pricebook');
    assert.deepEqual(container.PortMappings, [{ ContainerPort: 8000, Name: 'http', Protocol: 'tcp' }]);
    assert.equal(container.ReadonlyRootFilesystem, true);
    assert.equal(container.StopTimeout, 30);
    const env = Object.fromEntries(
      (container.Environment as Array<{ Name: string; Value: string }>).map((e) => [e.Name, e.Value]),
    );
    assert.equal(env.PORT, '8000');
    assert.equal(env.LOG_FILE, '');
    assert.equal(env.MIGRATE_ON_START, 'false');
    assert.equal(env.DATABASE_URL, undefined, 'no credentials in plain environment');
    assert.equal(env.PGPASSWORD, undefined, 'no credentials in plain environment');
    const secrets = Object.fromEntries(
      (container.Secrets as Array<{ Name: string; ValueFrom: unknown }>).map((s) => [s.Name, JSON.stringify(s.ValueFrom)]),
    );
    assert.deepEqual(Object.keys(secrets).sort(), ['PGDATABASE', 'PGHOST', 'PGPASSWORD', 'PGPORT', 'PGUSER']);
    for (const [name, key] of [
      ['PGHOST', 'host'],
      ['PGPORT', 'port'],
      ['PGUSER', 'username'],
      ['PGPASSWORD', 'password'],
      ['PGDATABASE', 'dbname'],
    ] as const) {
      assert.match(secrets[name] ?? '', new RegExp(`DatabaseSecretAttachment.*:${key}::`), name);
    }
    const logConfig = container.LogConfiguration as { LogDriver: string };
    assert.equal(logConfig.LogDriver, 'awslogs');
    assert.deepEqual(
      (container.MountPoints as Array<{ ContainerPath: string }>).map((m) => m.ContainerPath).sort(),
      ['/app/data', '/app/logs'],
    );
  });

  test('Fargate service: desired 2 in private subnets, no public IP, rollback circuit breaker', () => {
    const [, service] = only(t, 'AWS::ECS::Service', { ServiceName: 'pricebook', LaunchType: 'FARGATE', DesiredCount: 2 });
    const net = (service.Properties.NetworkConfiguration as { AwsvpcConfiguration: Record<string, unknown> })
      .AwsvpcConfiguration;
    assert.equal(net.AssignPublicIp, 'DISABLED');
    assert.match(JSON.stringify(net.Subnets), /VpcappSubnet/);
    assert.deepEqual((service.Properties.DeploymentConfiguration as Record<string, unknown>).DeploymentCircuitBreaker, {
      Enable: true,
      Rollback: true,
    });
  });

  test('auto scaling on CPU (target tracking), 2..6 tasks', () => {
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 6,
      ScalableDimension: 'ecs:service:DesiredCount',
      ServiceNamespace: 'ecs',
    });
    t.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 60,
      }),
    });
  });

  test('ALB: internet-facing, target group health check /healthz healthy 3 unhealthy 5 interval 10 s timeout 5 s', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internet-facing',
      Type: 'application',
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 8000,
      Protocol: 'HTTP',
      TargetType: 'ip',
      HealthCheckPath: '/healthz',
      HealthyThresholdCount: 3,
      UnhealthyThresholdCount: 5,
      HealthCheckIntervalSeconds: 10,
      HealthCheckTimeoutSeconds: 5,
      Matcher: { HttpCode: '200' },
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
  });

  test('security groups: tasks reachable from the ALB only, database from the tasks only', () => {
    const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')) as Resource[];
    const inline = Object.values(t.findResources('AWS::EC2::SecurityGroup')).flatMap(
      (sg) => ((sg as Resource).Properties.SecurityGroupIngress as Array<Record<string, unknown>>) ?? [],
    );
    const open = [...ingress.map((r) => r.Properties), ...inline].filter((r) => r.CidrIp === '0.0.0.0/0');
    assert.deepEqual(
      open.map((r) => r.FromPort),
      [80],
      'only the ALB listener port is open to the world',
    );
    const toDb = ingress.filter((r) => r.Properties.FromPort === 5432);
    assert.equal(toDb.length, 1);
    assert.ok(toDb[0]?.Properties.SourceSecurityGroupId, 'database ingress comes from a security group');
  });

  test('RDS PostgreSQL: encrypted, private, backed up, credentials in Secrets Manager', () => {
    const [, db] = only(t, 'AWS::RDS::DBInstance');
    assert.equal(db.Properties.Engine, 'postgres');
    assert.match(String(db.Properties.EngineVersion), /^16/);
    assert.equal(db.Properties.StorageEncrypted, true);
    assert.equal(db.Properties.PubliclyAccessible, false);
    assert.equal(db.Properties.DeletionProtection, true);
    assert.equal(db.Properties.BackupRetentionPeriod, 7);
    assert.equal(db.Properties.DBName, 'pricebook');
    assert.match(JSON.stringify(db.Properties.MasterUserPassword), /resolve:secretsmanager/);
    // Its subnet group holds only the isolated "data" subnets.
    const [, subnetGroup] = only(t, 'AWS::RDS::DBSubnetGroup');
    const subnets = JSON.stringify(subnetGroup.Properties.SubnetIds);
    assert.match(subnets, /VpcdataSubnet/);
    assert.doesNotMatch(subnets, /public/i);
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'pricebook/database',
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"pricebook"}' }),
    });
    t.resourceCountIs('AWS::SecretsManager::SecretTargetAttachment', 1);
    t.hasResourceProperties('AWS::RDS::DBParameterGroup', { Parameters: { 'rds.force_ssl': '1' } });
  });

  test('log groups have a retention', () => {
    const groups = Object.values(t.findResources('AWS::Logs::LogGroup')) as Resource[];
    assert.ok(groups.length >= 3);
    for (const g of groups) assert.equal(g.Properties.RetentionInDays, 30, JSON.stringify(g.Properties.LogGroupName));
    t.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/ecs/pricebook', RetentionInDays: 30 });
  });

  test('exactly three alarms, each notifying the SNS topic on ALARM and OK', () => {
    t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    t.resourceCountIs('AWS::SNS::Topic', 1);
    const [topicId] = only(t, 'AWS::SNS::Topic');
    for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm')) as Resource[]) {
      assert.deepEqual(alarm.Properties.AlarmActions, [{ Ref: topicId }]);
      assert.deepEqual(alarm.Properties.OKActions, [{ Ref: topicId }]);
    }
  });

  test('CPU alarm: >= 80 % average over 5 minutes, 1 period', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ECS',
      MetricName: 'CPUUtilization',
      Statistic: 'Average',
      Period: 300,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 80,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Dimensions: [Match.objectLike({ Name: 'ClusterName' }), Match.objectLike({ Name: 'ServiceName' })],
    });
  });

  test('memory alarm: >= 75 % for 2 periods of 1 minute', () => {
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ECS',
      MetricName: 'MemoryUtilization',
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 75,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  test('ALB 5xx alarm: >= 5 in 1 minute (ALB + target 5xx, summed)', () => {
    const [, alarm] = only(t, 'AWS::CloudWatch::Alarm', { Threshold: 5 });
    assert.equal(alarm.Properties.EvaluationPeriods, 1);
    assert.equal(alarm.Properties.ComparisonOperator, 'GreaterThanOrEqualToThreshold');
    assert.equal(alarm.Properties.TreatMissingData, 'notBreaching');
    const metrics = alarm.Properties.Metrics as Array<Record<string, any>>;
    const expression = metrics.find((m) => m.Expression);
    assert.equal(expression?.Expression, 'FILL(elb, 0) + FILL(target, 0)');
    assert.equal(expression?.ReturnData, true);
    const inputs = metrics.filter((m) => m.MetricStat);
    assert.deepEqual(inputs.map((m) => m.MetricStat.Metric.MetricName).sort(), [
      'HTTPCode_ELB_5XX_Count',
      'HTTPCode_Target_5XX_Count',
    ]);
    for (const m of inputs) {
      assert.equal(m.MetricStat.Metric.Namespace, 'AWS/ApplicationELB');
      assert.equal(m.MetricStat.Period, 60);
      assert.equal(m.MetricStat.Stat, 'Sum');
      assert.equal(m.ReturnData, false);
    }
  });

  test('dashboard: CPU, memory, requests, 5xx, target p99 latency and the alarms', () => {
    const [, dashboard] = only(t, 'AWS::CloudWatch::Dashboard', { DashboardName: 'pricebook' });
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const needle of [
      'CPUUtilization',
      'MemoryUtilization',
      'RequestCount',
      'HTTPCode_ELB_5XX_Count',
      'HTTPCode_Target_5XX_Count',
      'TargetResponseTime',
      'p99',
      'alarm',
    ]) {
      assert.ok(body.includes(needle), `dashboard mentions ${needle}`);
    }
    // The alarm status widget names all three alarms.
    const alarmIds = Object.keys(t.findResources('AWS::CloudWatch::Alarm'));
    for (const id of alarmIds) assert.ok(body.includes(id), `dashboard shows alarm ${id}`);
  });

  test('no budget unless asked for', () => {
    t.resourceCountIs('AWS::Budgets::Budget', 0);
  });
});

describe('service stack (options)', () => {
  let t: Template;
  before(() => {
    t = synth({
      monthlyBudgetUsd: 150,
      alarmEmail: 'ops@example.com',
      certificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000',
      multiAz: true,
    }).service;
  });

  test('monthly budget notifies the topic and the e-mail', () => {
    t.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({ BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 150, Unit: 'USD' } }),
      NotificationsWithSubscribers: Match.arrayWith([
        Match.objectLike({
          Notification: Match.objectLike({ NotificationType: 'ACTUAL', Threshold: 80 }),
          Subscribers: Match.arrayWith([{ SubscriptionType: 'EMAIL', Address: 'ops@example.com' }]),
        }),
      ]),
    });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  test('HTTPS listener with the certificate; HTTP redirects to it', () => {
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      Certificates: [{ CertificateArn: Match.stringLikeRegexp('^arn:aws:acm:') }],
    });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'redirect' })],
    });
  });

  test('Multi-AZ database on request', () => {
    t.hasResourceProperties('AWS::RDS::DBInstance', { MultiAZ: true });
  });
});

describe('registry stack', () => {
  test('ECR repository with scan on push and lifecycle rules; no deploy role unless a repository is named', () => {
    const { registry } = synth();
    registry.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'pricebook',
      ImageScanningConfiguration: { ScanOnPush: true },
    });
    const [, repo] = only(registry, 'AWS::ECR::Repository');
    const policy = JSON.parse((repo.Properties.LifecyclePolicy as { LifecyclePolicyText: string }).LifecyclePolicyText);
    assert.deepEqual(
      policy.rules.map((r: { selection: Record<string, unknown> }) => r.selection),
      [
        { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 7, countUnit: 'days' },
        { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 },
      ],
    );
    registry.resourceCountIs('AWS::IAM::Role', 0);
  });
});
