import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Settings } from './settings.ts';

export interface RegistryStackProps extends StackProps {
  readonly settings: Settings;
  /** Name of the service stack, whose generated role names the deploy role may pass to ECS. */
  readonly serviceStackName: string;
}

/**
 * What must exist before the first image can be pushed: the ECR repository and,
 * when `githubRepository` is set, the role GitHub Actions assumes through OIDC.
 * Kept apart from the service stack so that the service's first deployment can
 * already pull an image (see DEPLOY.md, "First deployment from zero").
 */
export class RegistryStack extends Stack {
  readonly repository: ecr.Repository;
  readonly deployRole?: iam.Role;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: settings.imageRepositoryName,
      imageScanOnPush: true,
      // Tags are commit SHAs, never rewritten; `latest` stays mutable for Docker Hub parity only.
      imageTagMutability: ecr.TagMutability.MUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          rulePriority: 1,
          description: 'Drop untagged images (superseded manifests, build leftovers) after 7 days',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(7),
        },
        {
          rulePriority: 2,
          description: 'Keep the 30 most recent images: enough to roll back a month of deploys',
          tagStatus: ecr.TagStatus.ANY,
          maxImageCount: 30,
        },
      ],
    });
    new CfnOutput(this, 'RepositoryUri', { value: this.repository.repositoryUri });

    if (settings.githubRepository) {
      this.deployRole = this.githubDeployRole(settings, props.serviceStackName);
    }
  }

  private githubDeployRole(settings: Settings, serviceStackName: string): iam.Role {
    const host = 'token.actions.githubusercontent.com';
    const provider = settings.createGithubOidcProvider
      ? // The native AWS::IAM::OIDCProvider: no custom-resource Lambda, IAM fetches the thumbprint.
        new iam.OidcProviderNative(this, 'GithubOidc', {
          url: `https://${host}`,
          clientIds: ['sts.amazonaws.com'],
        })
      : iam.OidcProviderNative.fromOidcProviderArn(
          this,
          'GithubOidc',
          `arn:${this.partition}:iam::${this.account}:oidc-provider/${host}`,
        );

    const role = new iam.Role(this, 'GithubDeployRole', {
      description: `Assumed by GitHub Actions (${settings.githubRepository}, main branch / production environment) to push images and deploy ${settings.serviceName}`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(provider.openIdConnectProviderArn, {
        StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com' },
        StringLike: {
          [`${host}:sub`]: [
            `repo:${settings.githubRepository}:ref:refs/heads/main`,
            `repo:${settings.githubRepository}:environment:production`,
          ],
        },
      }),
    });

    const name = settings.serviceName;
    const arn = (service: string, resource: string) =>
      `arn:${this.partition}:${service}:${this.region}:${this.account}:${resource}`;

    // Push (and read back) images in this repository only.
    this.repository.grantPullPush(role);

    // These ECS calls do not support resource-level permissions.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'TaskDefinitionsHaveNoResourceArn',
        actions: ['ecs:DescribeTaskDefinition', 'ecs:RegisterTaskDefinition'],
        resources: ['*'],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RunMigrationTask',
        actions: ['ecs:RunTask'],
        resources: [arn('ecs', `task-definition/${name}:*`)],
        conditions: { ArnEquals: { 'ecs:cluster': arn('ecs', `cluster/${name}`) } },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WatchTasks',
        actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
        resources: [arn('ecs', `task/${name}/*`)],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'UpdateService',
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: [arn('ecs', `service/${name}/${name}`)],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PassServiceRolesToEcsOnly',
        actions: ['iam:PassRole'],
        resources: [`arn:${this.partition}:iam::${this.account}:role/${serviceStackName}-*`],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadMigrationLogs',
        actions: ['logs:GetLogEvents'],
        resources: [arn('logs', `log-group:/ecs/${name}:log-stream:*`)],
      }),
    );

    const acknowledge = (id: string, reason: string) => Validations.of(role).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken, ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition support no resource-level permissions (AWS service authorization reference).',
    );
    acknowledge(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task-definition/${name}:*]`,
      'Every revision of the service family: each deploy registers a new one and runs the migration with it.',
    );
    acknowledge(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/${name}/*]`,
      'Task IDs of the one-off migration task are only known at run time; scoped to the service cluster.',
    );
    acknowledge(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/${serviceStackName}-*]`,
      'CloudFormation-generated names of the service stack task and execution roles; passing is limited to ecs-tasks.amazonaws.com.',
    );
    acknowledge(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/ecs/${name}:log-stream:*]`,
      'Stream names of the migration task are only known at run time; read-only, one log group.',
    );

    new CfnOutput(this, 'GithubDeployRoleArn', {
      value: role.roleArn,
      description: 'GitHub repository variable AWS_ROLE_ARN',
    });
    return role;
  }
}
