// The registry stack's GitHub roles (issue 12 point 11): pushing an image and deploying are two
// roles, and only a job in the `production` environment (its reviewers) can deploy.
process.env.CDK_VALIDATION ??= 'false';

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Template } from 'aws-cdk-lib/assertions';
import { synth } from './helpers.ts';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };
type Resource = { Type: string; Properties: Record<string, any> };

/** The logical ID of the role an output names (`Fn::GetAtt: [id, Arn]`). */
function roleOfOutput(t: Template, output: string): string {
  const value = (t.toJSON().Outputs?.[output] as { Value?: { 'Fn::GetAtt'?: [string, string] } } | undefined)?.Value;
  const id = value?.['Fn::GetAtt']?.[0];
  assert.ok(id, `output ${output} names a role`);
  return id;
}

/** Every statement the role's policies grant: inline, attached default policies, managed (none). */
function statementsOf(t: Template, roleId: string): Statement[] {
  const resources = t.toJSON().Resources as Record<string, Resource>;
  const role = resources[roleId];
  assert.equal(role?.Type, 'AWS::IAM::Role');
  assert.equal(role.Properties.ManagedPolicyArns, undefined, 'no managed policies');
  assert.equal(role.Properties.Policies, undefined, 'no inline policies on the role itself');
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

test('ECR tags are immutable: one image per commit SHA, never rewritten (issue 12 point 12)', () => {
  const { registry } = synth();
  registry.hasResourceProperties('AWS::ECR::Repository', {
    RepositoryName: 'pricebook',
    ImageTagMutability: 'IMMUTABLE',
  });
});

describe('GitHub OIDC roles (githubRepository set)', () => {
  let t: Template;
  let pushRole: string;
  let deployRole: string;
  before(() => {
    t = synth({ githubRepository: 'acme/pricebook', createGithubOidcProvider: true }).registry;
    pushRole = roleOfOutput(t, 'GithubImagePushRoleArn');
    deployRole = roleOfOutput(t, 'GithubDeployRoleArn');
  });

  test('two roles, one OIDC provider for GitHub, no users or access keys', () => {
    t.resourceCountIs('AWS::IAM::Role', 2);
    assert.notEqual(pushRole, deployRole);
    t.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
    t.resourceCountIs('AWS::IAM::User', 0);
    t.resourceCountIs('AWS::IAM::AccessKey', 0);
  });

  const trustOf = (roleId: string) => {
    const role = (t.toJSON().Resources as Record<string, Resource>)[roleId];
    const statements = role?.Properties.AssumeRolePolicyDocument.Statement as Array<Record<string, unknown>>;
    assert.equal(statements.length, 1, 'one trust statement');
    return statements[0] as Record<string, unknown>;
  };

  test('push role: trusted for the main branch of the one repository, exactly', () => {
    const trust = trustOf(pushRole);
    assert.equal(trust.Action, 'sts:AssumeRoleWithWebIdentity');
    assert.equal(trust.Effect, 'Allow');
    assert.match(JSON.stringify(trust.Principal), /"Federated":\{"Ref":"GithubOidc/);
    assert.deepEqual(trust.Condition, {
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': 'repo:acme/pricebook:ref:refs/heads/main',
      },
    });
  });

  test('deploy role: trusted ONLY for the production environment, exactly (not for the main branch)', () => {
    const trust = trustOf(deployRole);
    assert.equal(trust.Action, 'sts:AssumeRoleWithWebIdentity');
    assert.deepEqual(trust.Condition, {
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': 'repo:acme/pricebook:environment:production',
      },
    });
  });

  test('push role: ECR push to the one repository and nothing else (no ECS, no iam:PassRole)', () => {
    const statements = statementsOf(t, pushRole);
    assert.deepEqual(actionsOf(statements), [
      'ecr:BatchCheckLayerAvailability',
      'ecr:BatchGetImage',
      'ecr:CompleteLayerUpload',
      'ecr:DescribeImages',
      'ecr:GetAuthorizationToken',
      'ecr:InitiateLayerUpload',
      'ecr:PutImage',
      'ecr:UploadLayerPart',
    ]);
    for (const s of statements) {
      assert.equal(s.Effect, 'Allow');
      const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
      if (actions.includes('ecr:GetAuthorizationToken')) {
        assert.deepEqual(actions, ['ecr:GetAuthorizationToken'], 'only the token action on "*"');
        assert.equal(s.Resource, '*');
      } else {
        assert.deepEqual(s.Resource, { 'Fn::GetAtt': ['Repository22E53BBD', 'Arn'] });
      }
    }
    assert.doesNotMatch(JSON.stringify(statements), /ecs:|iam:|logs:/);
  });

  test('deploy role: ECS deploy actions and PassRole to ECS tasks only; it cannot push images', () => {
    const statements = statementsOf(t, deployRole);
    const actions = actionsOf(statements);
    for (const action of ['ecs:RegisterTaskDefinition', 'ecs:RunTask', 'ecs:UpdateService', 'iam:PassRole']) {
      assert.ok(actions.includes(action), action);
    }
    assert.deepEqual(
      actions.filter((a) => a.startsWith('ecr:')),
      [],
    );
    const passRole = statements.find((s) => s.Action === 'iam:PassRole');
    assert.deepEqual(passRole?.Condition, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    assert.doesNotMatch(JSON.stringify(statements), /"ecs:\*"|"iam:\*"|"\*:\*"|"Action":"\*"/);
  });

  test('outputs name the repository variables the workflow reads', () => {
    const outputs = t.toJSON().Outputs as Record<string, { Description?: string }>;
    assert.match(outputs.GithubImagePushRoleArn?.Description ?? '', /AWS_PUSH_ROLE_ARN/);
    assert.match(outputs.GithubDeployRoleArn?.Description ?? '', /AWS_DEPLOY_ROLE_ARN/);
  });

  test('the deploy role keeps its logical ID (an update of the role, not a new role)', () => {
    assert.equal(deployRole, 'GithubDeployRoleB0CF66A5');
  });
});
