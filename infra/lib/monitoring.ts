import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { StackPart } from './part.ts';

export interface MonitoringProps {
  /** Alarm, dashboard and budget names. */
  readonly name: string;
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  /** Subscribed to the alarm topic (and the budget) when set. */
  readonly alarmEmail: string;
  /** A monthly AWS Budget in USD when above 0. */
  readonly monthlyBudgetUsd: number;
}

/**
 * The three alarms of the service it replaces (CPU, memory, ALB 5xx), each notifying one SNS topic
 * on ALARM and OK; a dashboard of the same figures plus requests and p99 latency; and an optional
 * monthly budget that alerts the same topic.
 */
export class Monitoring extends StackPart {
  readonly alarmTopic: sns.Topic;
  readonly alarms: { cpu: cloudwatch.Alarm; memory: cloudwatch.Alarm; http5xx: cloudwatch.Alarm };

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { name } = props;
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: `${name} alarms`, enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subs.EmailSubscription(props.alarmEmail));
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm and budget notifications carry no confidential data; CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer key would add cost for no gain.',
    });

    const metrics = serviceMetrics(props);
    this.alarms = this.createAlarms(name, metrics);
    this.createDashboard(name, metrics);
    if (props.monthlyBudgetUsd > 0) this.createBudget(name, props.monthlyBudgetUsd, props.alarmEmail);
  }

  private createAlarms(name: string, m: ServiceMetrics): Monitoring['alarms'] {
    const cpu = new cloudwatch.Alarm(this, 'CpuAlarm', {
      alarmName: `${name}-cpu-high`,
      alarmDescription: 'Service CPU >= 80% (average over 5 minutes)',
      metric: m.cpu,
      threshold: 80,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    const memory = new cloudwatch.Alarm(this, 'MemoryAlarm', {
      alarmName: `${name}-memory-high`,
      alarmDescription: 'Service memory >= 75% for 2 consecutive 1-minute periods',
      metric: m.memory,
      threshold: 75,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    const http5xx = new cloudwatch.Alarm(this, 'Http5xxAlarm', {
      alarmName: `${name}-alb-5xx`,
      alarmDescription: 'Load balancer returned >= 5 5xx responses (ALB + targets) in 1 minute',
      metric: m.all5xx,
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const notify = new cwActions.SnsAction(this.alarmTopic);
    for (const alarm of [cpu, memory, http5xx]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    return { cpu, memory, http5xx };
  }

  private createDashboard(name: string, m: ServiceMetrics): void {
    const { cpu, memory, http5xx } = this.alarms;
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
        left: [m.cpu.with({ period: Duration.minutes(1), label: 'CPU %' })],
        leftAnnotations: [{ value: 80, label: 'alarm', color: cloudwatch.Color.RED }],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Memory utilization (%)',
        left: [m.memory.with({ label: 'Memory %' })],
        leftAnnotations: [{ value: 75, label: 'alarm', color: cloudwatch.Color.RED }],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Requests per minute', left: [m.requests], width: 8 }),
      new cloudwatch.GraphWidget({
        title: '5xx per minute',
        left: [m.elb5xx.with({ label: 'ALB 5xx' }), m.target5xx.with({ label: 'Target 5xx' })],
        leftAnnotations: [{ value: 5, label: 'alarm', color: cloudwatch.Color.RED }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'Target response time p99 (s)', left: [m.p99], width: 8 }),
    );
    dashboard.addWidgets(
      new cloudwatch.AlarmWidget({ title: cpu.alarmName, alarm: cpu, width: 8 }),
      new cloudwatch.AlarmWidget({ title: memory.alarmName, alarm: memory, width: 8 }),
      new cloudwatch.AlarmWidget({ title: http5xx.alarmName, alarm: http5xx, width: 8 }),
    );
  }

  private createBudget(name: string, amountUsd: number, email: string): void {
    const subscribers: budgets.CfnBudget.SubscriberProperty[] = [
      { subscriptionType: 'SNS', address: this.alarmTopic.topicArn },
    ];
    if (email) subscribers.push({ subscriptionType: 'EMAIL', address: email });
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AwsBudgetsPublish',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const notification = (notificationType: string, threshold: number) => ({
      notification: { notificationType, comparisonOperator: 'GREATER_THAN', threshold, thresholdType: 'PERCENTAGE' },
      subscribers,
    });
    new budgets.CfnBudget(this, 'MonthlyBudget', {
      budget: {
        budgetName: `${name}-monthly`,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: amountUsd, unit: 'USD' },
      },
      notificationsWithSubscribers: [notification('ACTUAL', 80), notification('FORECASTED', 100)],
    });
  }
}

interface ServiceMetrics {
  cpu: cloudwatch.Metric;
  memory: cloudwatch.Metric;
  elb5xx: cloudwatch.Metric;
  target5xx: cloudwatch.Metric;
  /** Every 5xx a client received through the ALB: its own (502/503/504) plus the targets'. */
  all5xx: cloudwatch.MathExpression;
  requests: cloudwatch.Metric;
  p99: cloudwatch.Metric;
}

function serviceMetrics(props: MonitoringProps): ServiceMetrics {
  const service = { ClusterName: props.service.cluster.clusterName, ServiceName: props.service.serviceName };
  const alb = { LoadBalancer: props.loadBalancer.loadBalancerFullName };
  const metric = (
    namespace: string,
    metricName: string,
    dimensionsMap: Record<string, string>,
    statistic: string,
    minutes: number,
  ) => new cloudwatch.Metric({ namespace, metricName, dimensionsMap, statistic, period: Duration.minutes(minutes) });
  const elb5xx = metric('AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', alb, cloudwatch.Stats.SUM, 1);
  const target5xx = metric('AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', alb, cloudwatch.Stats.SUM, 1);
  return {
    cpu: metric('AWS/ECS', 'CPUUtilization', service, cloudwatch.Stats.AVERAGE, 5),
    memory: metric('AWS/ECS', 'MemoryUtilization', service, cloudwatch.Stats.AVERAGE, 1),
    elb5xx,
    target5xx,
    all5xx: new cloudwatch.MathExpression({
      expression: 'FILL(elb, 0) + FILL(target, 0)',
      usingMetrics: { elb: elb5xx, target: target5xx },
      period: Duration.minutes(1),
      label: '5xx responses',
    }),
    requests: metric('AWS/ApplicationELB', 'RequestCount', alb, cloudwatch.Stats.SUM, 1).with({ label: 'Requests' }),
    p99: metric(
      'AWS/ApplicationELB',
      'TargetResponseTime',
      { ...alb, TargetGroup: props.targetGroup.targetGroupFullName },
      cloudwatch.Stats.percentile(99),
      1,
    ).with({ label: 'Target p99 (s)' }),
  };
}
