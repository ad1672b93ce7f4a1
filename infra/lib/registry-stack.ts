import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Settings } from './settings.ts';

const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

export interface RegistryStackProps extends StackProps {
  readonly settings: Settings;
  /** Name of the service stack, whose generated role names the deploy role may pass to ECS. */
  readonly serviceStackName: string;
}

/**
 * What must exist before the first image can be pushed: the ECR repository and,
 * when `githubRepository` is set, the two roles GitHub Actions assumes through OIDC
 * (one pushes images from main, the other deploys from the `production` environment).
 * Kept apart from the service stack so that the service's first deployment can
 * already pull an image (see DEPLOY.md, "First deployment from zero").
 */
export class RegistryStack extends Stack {
  readonly repository: ecr.Repository;
  /** Pushes images from the main branch; no access to ECS. */
  readonly imagePushRole?: iam.Role;
  /** Deploys from the `production` environment; cannot push images. */
  readonly deployRole?: iam.Role;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    const { settings } = props;

    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: settings.imageRepositoryName,
      imageScanOnPush: true,
      // One tag per commit SHA, never rewritten: a running task definition names exactly what it runs.
      // The workflow pushes no `latest` here (Docker Hub has that) and skips a SHA already pushed.
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
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
      const provider = this.githubOidcProvider(settings);
      this.imagePushRole = this.githubImagePushRole(settings, provider);
      this.deployRole = this.githubDeployRole(settings, provider, props.serviceStackName);
    }
  }

  private githubOidcProvider(settings: Settings): iam.IOidcProvider {
    return settings.createGithubOidcProvider
      ? // The native AWS::IAM::OIDCProvider: no custom-resource Lambda, IAM fetches the thumbprint.
        new iam.OidcProviderNative(this, 'GithubOidc', {
          url: `https://${GITHUB_OIDC_HOST}`,
          clientIds: ['sts.amazonaws.com'],
        })
      : iam.OidcProviderNative.fromOidcProviderArn(
          this,
          'GithubOidc',
          `arn:${this.partition}:iam::${this.account}:oidc-provider/${GITHUB_OIDC_HOST}`,
        );
  }

  /**
   * Assumed by the image job on a push to main (OIDC subject `repo:<owner/repo>:ref:refs/heads/main`):
   * it may push to this repository and nothing else, so it cannot change what runs.
   */
  private githubImagePushRole(settings: Settings, provider: iam.IOidcProvider): iam.Role {
    const role = new iam.Role(this, 'GithubImagePushRole', {
      description: `Assumed by GitHub Actions (${settings.githubRepository}, push to main) to push images to ECR`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: githubPrincipal(provider, `repo:${settings.githubRepository}:ref:refs/heads/main`),
    });
    // The push actions, ecr:GetAuthorizationToken (no resource-level permission) among them.
    this.repository.grantPush(role);
    // BatchGetImage: buildx reads back the manifests it pushes (AWS's own push policy lists it);
    // DescribeImages: the workflow skips building a commit whose image is already there (tags are immutable).
    this.repository.grant(role, 'ecr:BatchGetImage', 'ecr:DescribeImages');
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken supports no resource-level permission; every other action is on this repository only.',
    });
    new CfnOutput(this, 'GithubImagePushRoleArn', {
      value: role.roleArn,
      description: 'GitHub repository variable AWS_PUSH_ROLE_ARN',
    });
    return role;
  }

  /**
   * Assumed only by jobs in the `production` environment (OIDC subject
   * `repo:<owner/repo>:environment:production`), so a deployment always passes that environment's
   * protection rules (required reviewers, main only). It registers task definitions, runs the
   * migration task and updates the service; it cannot push images.
   */
  private githubDeployRole(settings: Settings, provider: iam.IOidcProvider, serviceStackName: string): iam.Role {
    const role = new iam.Role(this, 'GithubDeployRole', {
      description: `Assumed by GitHub Actions (${settings.githubRepository}, production environment) to deploy ${settings.serviceName}`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: githubPrincipal(provider, `repo:${settings.githubRepository}:environment:production`),
    });

    const name = settings.serviceName;
    const arn = (service: string, resource: string) =>
      `arn:${this.partition}:${service}:${this.region}:${this.account}:${resource}`;

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
      'ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition support no resource-level permissions (AWS service authorization reference).',
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
      description: 'GitHub repository variable AWS_DEPLOY_ROLE_ARN',
    });
    return role;
  }
}

/** GitHub's OIDC tokens for exactly one subject, issued for AWS STS. */
function githubPrincipal(provider: iam.IOidcProvider, subject: string): iam.WebIdentityPrincipal {
  return new iam.WebIdentityPrincipal(provider.openIdConnectProviderArn, {
    StringEquals: {
      [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
      [`${GITHUB_OIDC_HOST}:sub`]: subject,
    },
  });
}
