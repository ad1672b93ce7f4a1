import { Duration, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { Construct } from 'constructs';
import { StackPart } from './part.ts';

/** The service's own 404 page for an unknown path (src/http/not-found.ts, api-contract §10). */
export const NOT_FOUND_HTML = '<h1>Not Found</h1><p>The requested resource was not found on this server.</p>';

export interface LoadBalancerProps {
  readonly vpc: ec2.IVpc;
  readonly securityGroup: ec2.ISecurityGroup;
  /** The tasks, reached on `containerPort`. */
  readonly service: ecs.FargateService;
  readonly containerPort: number;
  /** ACM certificate ARN: HTTPS on 443 and HTTP redirected to it; empty: HTTP only. */
  readonly certificateArn: string;
}

/** The internet-facing Application Load Balancer in front of the tasks, checking `/healthz`. */
export class LoadBalancer extends StackPart {
  readonly alb: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** `https://…` with a certificate, else `http://…`. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    this.alb = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: props.securityGroup,
      dropInvalidHeaderFields: true,
      idleTimeout: Duration.seconds(60),
    });
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'TargetGroup', {
      vpc: props.vpc,
      port: props.containerPort,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [props.service],
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
    let forwarding: elbv2.ApplicationListener;
    if (props.certificateArn) {
      forwarding = this.alb.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [elbv2.ListenerCertificate.fromArn(props.certificateArn)],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
        open: false,
      });
      this.alb.addListener('Http', {
        port: 80,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
    } else {
      forwarding = this.alb.addListener('Http', { port: 80, open: false, defaultTargetGroups: [this.targetGroup] });
    }
    // Metrics are served on their own port (METRICS_PORT, 9464), which neither the load balancer nor
    // any security group opens; should a build ever serve /metrics on the public port again, the
    // load balancer still answers it as the service answers any unknown path.
    forwarding.addAction('MetricsNotPublic', {
      priority: 1,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/metrics', '/metrics/*'])],
      action: elbv2.ListenerAction.fixedResponse(404, { contentType: 'text/html', messageBody: NOT_FOUND_HTML }),
    });
    this.url = `${props.certificateArn ? 'https' : 'http'}://${this.alb.loadBalancerDnsName}`;

    Validations.of(this.alb).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason:
        'ALB access logs would need an S3 bucket with its own logging and lifecycle; request counts, 5xx and latency are in CloudWatch metrics and the application logs every request.',
    });
  }
}
