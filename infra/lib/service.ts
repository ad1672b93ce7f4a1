import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { StackPart } from './part.ts';

export interface ServiceProps {
  /** Cluster, service, task-definition family, container and log-group name. */
  readonly name: string;
  readonly image: ecs.ContainerImage;
  readonly containerPort: number;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  /** The RDS-format database secret, injected as PGHOST … PGDATABASE. */
  readonly databaseSecret: secretsmanager.ISecret;
}

/**
 * The pricebook tasks on ECS Fargate (Graviton, 0.25 vCPU / 512 MiB, read-only root filesystem),
 * two of them, scaled 2–6 on CPU, logging to CloudWatch Logs; the deployment circuit breaker
 * rolls a deployment back when its tasks never become healthy.
 */
export class Service extends StackPart {
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly service: ecs.FargateService;

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    const { name } = props;
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      clusterName: name,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    this.taskDefinition = this.createTaskDefinition(props);
    // `Default`: the ECS service is this part's own resource; its scaling policy's name keeps the
    // unique ID it had before the stack was split into parts (a new name would replace the policy).
    this.service = new ecs.FargateService(this, 'Default', {
      cluster: this.cluster,
      serviceName: name,
      taskDefinition: this.taskDefinition,
      desiredCount: 2,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      assignPublicIp: false,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
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
  }

  private createTaskDefinition(props: ServiceProps): ecs.FargateTaskDefinition {
    const { name, databaseSecret: secret } = props;
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
    const container = taskDefinition.addContainer('app', {
      containerName: name,
      image: props.image,
      essential: true,
      portMappings: [{ containerPort: props.containerPort, protocol: ecs.Protocol.TCP, name: 'http' }],
      readonlyRootFilesystem: true,
      stopTimeout: Duration.seconds(30),
      logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: name }),
      environment: {
        PORT: String(props.containerPort),
        HOST: '0.0.0.0',
        LOG_LEVEL: 'info',
        // Logs go to stdout/stderr, hence CloudWatch Logs; no log file in the container.
        LOG_FILE: '',
        // The pipeline runs `node dist/migrate.js` as a one-off task before each deploy.
        MIGRATE_ON_START: 'false',
        WORKERS: '1',
        SHUTDOWN_GRACE_MS: '10000',
        // One proxy in front: the ALB, which appends the client's address to X-Forwarded-For and
        // sets X-Forwarded-Proto (https links behind the HTTPS listener). `true` would trust the
        // left-most, client-written X-Forwarded-For entry.
        TRUST_PROXY: '1',
        // libpq's "require" (encrypt, don't verify the chain) is "no-verify" in node-postgres,
        // whose "require" means verify-full against Node's CA store, which lacks the RDS CA.
        PGSSLMODE: 'no-verify',
      },
      // DATABASE_URL parts, injected by ECS from the RDS-managed secret at task start.
      secrets: {
        PGHOST: ecs.Secret.fromSecretsManager(secret, 'host'),
        PGPORT: ecs.Secret.fromSecretsManager(secret, 'port'),
        PGUSER: ecs.Secret.fromSecretsManager(secret, 'username'),
        PGPASSWORD: ecs.Secret.fromSecretsManager(secret, 'password'),
        PGDATABASE: ecs.Secret.fromSecretsManager(secret, 'dbname'),
      },
    });
    // Writable paths of a read-only root filesystem (task-local, like the image's VOLUMEs).
    container.addMountPoints(
      { sourceVolume: 'data', containerPath: '/app/data', readOnly: false },
      { sourceVolume: 'logs', containerPath: '/app/logs', readOnly: false },
    );

    const ack = (scope: Construct, id: string, reason: string) => Validations.of(scope).acknowledge({ id, reason });
    ack(
      taskDefinition,
      'AwsSolutions-ECS2',
      'Only non-secret settings (port, log level, flags) are plain environment variables; the database credentials come from Secrets Manager.',
    );
    ack(
      taskDefinition.obtainExecutionRole(),
      'AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken supports no resource-level permission; image pulls themselves are limited to the one repository.',
    );
    return taskDefinition;
  }
}
