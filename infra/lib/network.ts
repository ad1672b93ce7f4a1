import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { StackPart } from './part.ts';

export interface NetworkProps {
  /** Names the tasks in the service security group's description. */
  readonly serviceName: string;
  /** The port the tasks listen on. */
  readonly containerPort: number;
  /** Opens 443 on the load balancer besides 80. */
  readonly https: boolean;
}

/**
 * The VPC without NAT (the tasks reach AWS through VPC endpoints) and its security groups: who may
 * talk to whom, in one place. Public subnets hold the load balancer, `app` the tasks, `data` the
 * database; neither private tier routes to the internet.
 */
export class Network extends StackPart {
  readonly vpc: ec2.Vpc;
  readonly appSubnets: ec2.SubnetSelection;
  readonly dataSubnets: ec2.SubnetSelection;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  readonly serviceSecurityGroup: ec2.SecurityGroup;
  readonly databaseSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.appSubnets = { subnetGroupName: 'app' };
    this.dataSubnets = { subnetGroupName: 'data' };
    this.vpc = new ec2.Vpc(this, 'Vpc', {
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
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [this.appSubnets] },
      },
    });
    const flowLogGroup = new logs.LogGroup(this, 'VpcFlowLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });

    const endpointSg = this.securityGroup(
      'EndpointSecurityGroup',
      'HTTPS from the app subnets to the interface VPC endpoints',
    );
    this.addInterfaceEndpoints(endpointSg);
    const albSg = this.securityGroup('AlbSecurityGroup', 'Public HTTP(S) to the load balancer');
    const serviceSg = this.securityGroup(
      'ServiceSecurityGroup',
      `${props.serviceName} tasks: port ${props.containerPort} from the load balancer only`,
    );
    const dbSg = this.securityGroup('DatabaseSecurityGroup', 'PostgreSQL from the service tasks only');

    const app = ec2.Port.tcp(props.containerPort);
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP from anywhere');
    if (props.https) albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from anywhere');
    albSg.addEgressRule(serviceSg, app, 'To the tasks');
    serviceSg.addIngressRule(albSg, app, 'From the load balancer');
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

    Validations.of(albSg).acknowledge({
      id: 'AwsSolutions-EC23',
      reason:
        'Public, internet-facing API: the load balancer must accept HTTP(S) from any address; tasks and database accept only their upstream security group.',
    });
    this.loadBalancerSecurityGroup = albSg;
    this.serviceSecurityGroup = serviceSg;
    this.databaseSecurityGroup = dbSg;
  }

  private securityGroup(id: string, description: string): ec2.SecurityGroup {
    return new ec2.SecurityGroup(this, id, { vpc: this.vpc, description, allowAllOutbound: false });
  }

  /** The interface endpoints a Fargate task needs to start with no route to the internet. */
  private addInterfaceEndpoints(securityGroup: ec2.SecurityGroup): void {
    const endpoints: Record<string, ec2.InterfaceVpcEndpointAwsService> = {
      EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
      EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
      Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      SecretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    };
    for (const [id, service] of Object.entries(endpoints)) {
      this.vpc.addInterfaceEndpoint(id, {
        service,
        subnets: this.appSubnets,
        securityGroups: [securityGroup],
        privateDnsEnabled: true,
        open: false,
      });
    }
  }
}
