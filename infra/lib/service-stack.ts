import { CfnOutput, CfnParameter, type StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type { Construct } from 'constructs';
import { Database } from './database.ts';
import { LoadBalancer } from './load-balancer.ts';
import { Monitoring } from './monitoring.ts';
import { Network } from './network.ts';
import { StackOfParts } from './part.ts';
import { Service } from './service.ts';
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
export class ServiceStack extends StackOfParts {
  readonly network: Network;
  readonly database: Database;
  readonly service: Service;
  readonly loadBalancer: LoadBalancer;
  readonly monitoring: Monitoring;

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

    this.network = new Network(this, 'Network', {
      serviceName: name,
      containerPort: CONTAINER_PORT,
      https: Boolean(settings.certificateArn),
    });
    const { vpc } = this.network;
    this.database = new Database(this, 'Database', {
      name,
      vpc,
      subnets: this.network.dataSubnets,
      securityGroup: this.network.databaseSecurityGroup,
      multiAz: settings.multiAz,
    });
    const repository = ecr.Repository.fromRepositoryName(this, 'ImageRepo', imageRepository.valueAsString);
    this.service = new Service(this, 'Service', {
      name,
      image: ecs.ContainerImage.fromEcrRepository(repository, imageTag.valueAsString),
      containerPort: CONTAINER_PORT,
      vpc,
      subnets: this.network.appSubnets,
      securityGroup: this.network.serviceSecurityGroup,
      databaseSecret: this.database.secret,
    });
    this.loadBalancer = new LoadBalancer(this, 'LoadBalancer', {
      vpc,
      securityGroup: this.network.loadBalancerSecurityGroup,
      service: this.service.service,
      containerPort: CONTAINER_PORT,
      certificateArn: settings.certificateArn,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      name,
      service: this.service.service,
      loadBalancer: this.loadBalancer.alb,
      targetGroup: this.loadBalancer.targetGroup,
      alarmEmail: settings.alarmEmail,
      monthlyBudgetUsd: settings.monthlyBudgetUsd,
    });

    new CfnOutput(this, 'LoadBalancerUrl', { value: this.loadBalancer.url });
    new CfnOutput(this, 'ClusterName', { value: this.service.cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: this.service.service.serviceName });
    new CfnOutput(this, 'TaskDefinitionFamily', { value: name });
    new CfnOutput(this, 'DatabaseSecretArn', { value: this.database.secret.secretArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: name });
  }
}
