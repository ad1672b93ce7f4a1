import {
  CfnOutput,
  CfnParameter,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { Settings } from './settings.ts';

export interface ServiceStackProps extends StackProps {
  readonly settings: Settings;
}

/** The port the image listens on (Dockerfile EXPOSE, api-contract §12). */
export const CONTAINER_PORT = 8000;

/**
 * The running service: VPC without NAT (VPC endpoints instead), RDS PostgreSQL,
 * ECS Fargate behind an ALB, alarms, dashboard and an optional budget.
 *
 * The image is `<ImageRepository>:<ImageTag>` from ECR (two CloudFormation
 * parameters), so synthesizing needs neither Docker nor AWS credentials. The
 * GitHub workflow deploys later images by registering task-definition revisions
 * itself; pass `--parameters ImageTag=<running sha>` to later `cdk deploy`s.
 */
export class ServiceStack extends Stack {
  readonly service: ecs.FargateService;
  readonly alarms: { cpu: cloudwatch.Alarm; memory: cloudwatch.Alarm; http5xx: cloudwatch.Alarm };
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const name = settings.serviceName;

    const imageRepository = new CfnParameter(this, 'ImageRepository', {
      type: 'String',
      default: settings.imageRepositoryName,
      description: 'Name of the ECR repository holding the pricebook image (created by the registry stack).',
      allowedPattern: '[a-z0-9._/-]+',
    });
    const imageTag = new CfnParameter(this, 'ImageTag', {
      type: 'String',
      description: 'Image tag to run: the full commit SHA the pipeline pushed (never "latest" in production).',
      allowedPattern: '[A-Za-z0-9_.-]{1,128}',
    });

    // ---------------------------------------------------------------- network
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: 0,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 22 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        // ECR stores image layers in S3.
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [{ subnetGroupName: 'app' }] },
      },
    });
    const flowLogGroup = new logs.LogGroup(this, 'VpcFlowLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    // The interface endpoints a Fargate task needs to start with no route to the internet.
    const endpointSg = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc,
      description: 'HTTPS from the app subnets to the interface VPC endpoints',
      allowAllOutbound: false,
    });
    const appSubnets = vpc.selectSubnets({ subnetGroupName: 'app' });
    const endpoints: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    };
    for (const [id, service] of Object.entries(endpoints)) {
      vpc.addInterfaceEndpoint(id, {
        service,
        subnets: { subnetGroupName: 'app' },
        securityGroups: [endpointSg],
        privateDnsEnabled: true,
        open: false,
      });
    }

    // ---------------------------------------------------------------- security groups
    const albSg = new ec2.SecurityGroup(this, 'AlbSecurityGroup', {
      vpc,
      description: 'Public HTTP(S) to the load balancer',
      allowAllOutbound: false,
    });
    const serviceSg = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc,
      description: `${name} tasks: port ${CONTAINER_PORT} from the load balancer only`,
      allowAllOutbound: false,
    });
    const dbSg = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc,
      description: 'PostgreSQL from the service tasks only',
      allowAllOutbound: false,
    });
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP from anywhere');
    if (settings.certificateArn) albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from anywhere');
    albSg.addEgressRule(serviceSg, ec2.Port.tcp(CONTAINER_PORT), 'To the tasks');
    serviceSg.addIngressRule(albSg, ec2.Port.tcp(CONTAINER_PORT), 'From the load balancer');
    serviceSg.addEgressRule(dbSg, ec2.Port.tcp(5432), 'To PostgreSQL');
    serviceSg.addEgressRule(endpointSg, ec2.Port.tcp(443), 'To the interface VPC endpoints');
    // The S3 gateway endpoint is reached through the prefix list, not a security group.
    // The S3 prefix list ID differs per region and needs a lookup; the subnets have no route to the
    // internet, so HTTPS "anywhere" reaches only the S3 gateway endpoint and the interface endpoints.
    serviceSg.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to the S3 gateway endpoint (ECR image layers); isolated subnets route nowhere else',
    );
    dbSg.addIngressRule(serviceSg, ec2.Port.tcp(5432), 'From the service tasks');
    endpointSg.addIngressRule(serviceSg, ec2.Port.tcp(443), 'From the service tasks');

    // ---------------------------------------------------------------- database
    const database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      vpc,
      vpcSubnets: { subnetGroupName: 'data' },
      securityGroups: [dbSg],
      publiclyAccessible: false,
      multiAz: settings.multiAz,
      databaseName: 'pricebook',
      credentials: rds.Credentials.fromGeneratedSecret('pricebook', { secretName: `${name}/database` }),
      storageEncrypted: true,
      allocatedStorage: 20,
      maxAllocatedStorage: 100,
      storageType: rds.StorageType.GP3,
      backupRetention: Duration.days(7),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      autoMinorVersionUpgrade: true,
      enablePerformanceInsights: false,
      instanceIdentifier: name,
      cloudwatchLogsExports: ['postgresql'],
      iamAuthentication: false,
      parameters: { 'rds.force_ssl': '1' },
    });
    // Created here, with its retention, before RDS would create it without one (and without the
    // log-retention Lambda that `cloudwatchLogsRetention` adds).
    const dbLogGroup = new logs.LogGroup(this, 'DatabaseLogs', {
      logGroupName: `/aws/rds/instance/${name}/postgresql`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    database.node.addDependency(dbLogGroup);
    const dbSecret = database.secret;
    if (!dbSecret) throw new Error('the database must have a generated secret');

    // ---------------------------------------------------------------- ECS
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      clusterName: name,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const logGroup = new logs.LogGroup(this, 'ServiceLogs', {
      logGroupName: `/ecs/${name}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: name,
      cpu: 256,
      memoryLimitMiB: 512,
      // Graviton: the pipeline builds linux/arm64 next to linux/amd64, and it costs ~20% less.
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      volumes: [{ name: 'data' }, { name: 'logs' }],
    });
    const repository = ecr.Repository.fromRepositoryName(this, 'ImageRepo', imageRepository.valueAsString);
    const container = taskDefinition.addContainer('app', {
      containerName: name,
      image: ecs.ContainerImage.fromEcrRepository(repository, imageTag.valueAsString),
      essential: true,
      portMappings: [{ containerPort: CONTAINER_PORT, protocol: ecs.Protocol.TCP, name: 'http' }],
      readonlyRootFilesystem: true,
      stopTimeout: Duration.seconds(30),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: name }),
      environment: {
        PORT: String(CONTAINER_PORT),
        HOST: '0.0.0.0',
        LOG_LEVEL: 'info',
        // Logs go to stdout/stderr, hence CloudWatch Logs; no log file in the container.
        LOG_FILE: '',
        // The pipeline runs `node dist/migrate.js` as a one-off task before each deploy.
        MIGRATE_ON_START: 'false',
        WORKERS: '1',
        SHUTDOWN_GRACE_MS: '10000',
        // libpq's "require" (encrypt, don't verify the chain) is "no-verify" in node-postgres,
        // whose "require" means verify-full against Node's CA store, which lacks the RDS CA.
        PGSSLMODE: 'no-verify',
      },
      // DATABASE_URL parts, injected by ECS from the RDS-managed secret at task start.
      secrets: {
        PGHOST: ecs.Secret.fromSecretsManager(dbSecret, 'host'),
        PGPORT: ecs.Secret.fromSecretsManager(dbSecret, 'port'),
        PGUSER: ecs.Secret.fromSecretsManager(dbSecret, 'username'),
        PGPASSWORD: ecs.Secret.fromSecretsManager(dbSecret, 'password'),
        PGDATABASE: ecs.Secret.fromSecretsManager(dbSecret, 'dbname'),
      },
    });
    // Writable paths of a read-only root filesystem (task-local, like the image's VOLUMEs).
    container.addMountPoints(
      { sourceVolume: 'data', containerPath: '/app/data', readOnly: false },
      { sourceVolume: 'logs', containerPath: '/app/logs', readOnly: false },
    );

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      serviceName: name,
      taskDefinition,
      desiredCount: 2,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      assignPublicIp: false,
      vpcSubnets: appSubnets,
      securityGroups: [serviceSg],
      circuitBreaker: { enable: true, rollback: true },
      healthCheckGracePeriod: Duration.seconds(30),
      enableExecuteCommand: false,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    const scaling = this.service.autoScaleTaskCount({ minCapacity: 2, maxCapacity: 6 });
    scaling.scaleOnCpuUtilization('CpuScaling', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });

    // ---------------------------------------------------------------- load balancer
    const alb = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: albSg,
      dropInvalidHeaderFields: true,
      idleTimeout: Duration.seconds(60),
    });
    const targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc,
      port: CONTAINER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.service],
      // Longer than SHUTDOWN_GRACE_MS, shorter than the container stopTimeout.
      deregistrationDelay: Duration.seconds(15),
      healthCheck: {
        path: '/healthz',
        protocol: elbv2.Protocol.HTTP,
        port: 'traffic-port',
        healthyHttpCodes: '200',
        healthyThresholdCount: 3,
        unhealthyThresholdCount: 5,
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
      },
    });
    if (settings.certificateArn) {
      alb.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(settings.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [targetGroup],
        open: false,
      });
      alb.addListener('Http', {
        port: 80,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
    } else {
      alb.addListener('Http', { port: 80, open: false, defaultTargetGroups: [targetGroup] });
    }

    // ---------------------------------------------------------------- alarms
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${name} alarms`,
      enforceSSL: true,
    });
    if (settings.alarmEmail) this.alarmTopic.addSubscription(new subs.EmailSubscription(settings.alarmEmail));
    const notify = new cwActions.SnsAction(this.alarmTopic);

    const serviceDims = { ClusterName: cluster.clusterName, ServiceName: this.service.serviceName };
    const cpuMetric = new cloudwatch.Metric({
      namespace: 'AWS/ECS',
      metricName: 'CPUUtilization',
      dimensionsMap: serviceDims,
      statistic: cloudwatch.Stats.AVERAGE,
      period: Duration.minutes(5),
    });
    const memoryMetric = new cloudwatch.Metric({
      namespace: 'AWS/ECS',
      metricName: 'MemoryUtilization',
      dimensionsMap: serviceDims,
      statistic: cloudwatch.Stats.AVERAGE,
      period: Duration.minutes(1),
    });
    const albDims = { LoadBalancer: alb.loadBalancerFullName };
    const elb5xx = new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_ELB_5XX_Count',
      dimensionsMap: albDims,
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
    });
    const target5xx = new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName: 'HTTPCode_Target_5XX_Count',
      dimensionsMap: albDims,
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
    });
    // Every 5xx a client received through the ALB: its own (502/503/504) plus the targets'.
    const all5xx = new cloudwatch.MathExpression({
      expression: 'FILL(elb, 0) + FILL(target, 0)',
      usingMetrics: { elb: elb5xx, target: target5xx },
      period: Duration.minutes(1),
      label: '5xx responses',
    });

    const cpu = new cloudwatch.Alarm(this, 'CpuAlarm', {
      alarmName: `${name}-cpu-high`,
      alarmDescription: 'Service CPU >= 80% (average over 5 minutes)',
      metric: cpuMetric,
      threshold: 80,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    const memory = new cloudwatch.Alarm(this, 'MemoryAlarm', {
      alarmName: `${name}-memory-high`,
      alarmDescription: 'Service memory >= 75% for 2 consecutive 1-minute periods',
      metric: memoryMetric,
      threshold: 75,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    const http5xx = new cloudwatch.Alarm(this, 'Http5xxAlarm', {
      alarmName: `${name}-alb-5xx`,
      alarmDescription: 'Load balancer returned >= 5 5xx responses (ALB + targets) in 1 minute',
      metric: all5xx,
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [cpu, memory, http5xx]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    this.alarms = { cpu, memory, http5xx };

    // ---------------------------------------------------------------- dashboard
    const requests = new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName: 'RequestCount',
      dimensionsMap: albDims,
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
      label: 'Requests',
    });
    const p99 = new cloudwatch.Metric({
      namespace: 'AWS/ApplicationELB',
      metricName: 'TargetResponseTime',
      dimensionsMap: { ...albDims, TargetGroup: targetGroup.targetGroupFullName },
      statistic: cloudwatch.Stats.percentile(99),
      period: Duration.minutes(1),
      label: 'Target p99 (s)',
    });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: name,
      defaultInterval: Duration.hours(3),
    });
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [cpu, memory, http5xx], width: 24, height: 3 }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'CPU utilization (%)',
        left: [cpuMetric.with({ period: Duration.minutes(1), label: 'CPU %' })],
        leftAnnotations: [{ value: 80, label: 'alarm', color: cloudwatch.Color.RED }],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Memory utilization (%)',
        left: [memoryMetric.with({ label: 'Memory %' })],
        leftAnnotations: [{ value: 75, label: 'alarm', color: cloudwatch.Color.RED }],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Requests per minute', left: [requests], width: 8 }),
      new cloudwatch.GraphWidget({
        title: '5xx per minute',
        left: [elb5xx.with({ label: 'ALB 5xx' }), target5xx.with({ label: 'Target 5xx' })],
        leftAnnotations: [{ value: 5, label: 'alarm', color: cloudwatch.Color.RED }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'Target response time p99 (s)', left: [p99], width: 8 }),
    );
    dashboard.addWidgets(
      new cloudwatch.AlarmWidget({ title: cpu.alarmName, alarm: cpu, width: 8 }),
      new cloudwatch.AlarmWidget({ title: memory.alarmName, alarm: memory, width: 8 }),
      new cloudwatch.AlarmWidget({ title: http5xx.alarmName, alarm: http5xx, width: 8 }),
    );

    // ---------------------------------------------------------------- budget (optional)
    if (settings.monthlyBudgetUsd > 0) {
      const subscribers: budgets.CfnBudget.SubscriberProperty[] = [
        { subscriptionType: 'SNS', address: this.alarmTopic.topicArn },
      ];
      if (settings.alarmEmail) subscribers.push({ subscriptionType: 'EMAIL', address: settings.alarmEmail });
      this.alarmTopic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AwsBudgetsPublish',
          principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [this.alarmTopic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
      new budgets.CfnBudget(this, 'MonthlyBudget', {
        budget: {
          budgetName: `${name}-monthly`,
          budgetType: 'COST',
          timeUnit: 'MONTHLY',
          budgetLimit: { amount: settings.monthlyBudgetUsd, unit: 'USD' },
        },
        notificationsWithSubscribers: [
          {
            notification: {
              notificationType: 'ACTUAL',
              comparisonOperator: 'GREATER_THAN',
              threshold: 80,
              thresholdType: 'PERCENTAGE',
            },
            subscribers,
          },
          {
            notification: {
              notificationType: 'FORECASTED',
              comparisonOperator: 'GREATER_THAN',
              threshold: 100,
              thresholdType: 'PERCENTAGE',
            },
            subscribers,
          },
        ],
      });
    }

    // ---------------------------------------------------------------- outputs
    new CfnOutput(this, 'LoadBalancerUrl', {
      value: `${settings.certificateArn ? 'https' : 'http'}://${alb.loadBalancerDnsName}`,
    });
    new CfnOutput(this, 'ClusterName', { value: cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: this.service.serviceName });
    new CfnOutput(this, 'TaskDefinitionFamily', { value: name });
    new CfnOutput(this, 'DatabaseSecretArn', { value: dbSecret.secretArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: name });

    // ---------------------------------------------------------------- cdk-nag acknowledgements
    this.acknowledgeNagFindings({ alb, database, taskDefinition, albSg, settings });
  }

  private acknowledgeNagFindings(parts: {
    alb: elbv2.ApplicationLoadBalancer;
    database: rds.DatabaseInstance;
    taskDefinition: ecs.FargateTaskDefinition;
    albSg: ec2.SecurityGroup;
    settings: Settings;
  }): void {
    const ack = (scope: Construct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });
    ack(
      parts.albSg,
      'AwsSolutions-EC23',
      'Public, internet-facing API: the load balancer must accept HTTP(S) from any address; tasks and database accept only their upstream security group.',
    );
    ack(
      parts.alb,
      'AwsSolutions-ELB2',
      'ALB access logs would need an S3 bucket with its own logging and lifecycle; request counts, 5xx and latency are in CloudWatch metrics and the application logs every request.',
    );
    ack(
      parts.database,
      'AwsSolutions-RDS11',
      'The default PostgreSQL port is kept: the database is in isolated subnets and its security group admits only the service tasks, so a non-standard port adds no protection.',
    );
    if (!parts.settings.multiAz) {
      ack(
        parts.database,
        'AwsSolutions-RDS3',
        'Single-AZ by default to halve the database cost; automated backups (7 days) cover recovery. Deploy with -c multiAz=true for a standby.',
      );
    }
    ack(
      parts.database,
      'AwsSolutions-SMG4',
      'ECS injects the credentials into tasks at start only; an automatic rotation would break running tasks until they restart. Rotation is a documented manual step (DEPLOY.md) followed by a forced deployment.',
    );
    ack(
      parts.taskDefinition,
      'AwsSolutions-ECS2',
      'Only non-secret settings (port, log level, flags) are plain environment variables; the database credentials come from Secrets Manager.',
    );
    const executionRole = parts.taskDefinition.obtainExecutionRole();
    ack(
      executionRole,
      'AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken supports no resource-level permission; image pulls themselves are limited to the one repository.',
    );
    ack(
      this.alarmTopic,
      'AwsSolutions-SNS2',
      'Alarm and budget notifications carry no confidential data; CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer key would add cost for no gain.',
    );
  }
}
