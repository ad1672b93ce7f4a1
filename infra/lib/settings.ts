import type { App } from 'aws-cdk-lib';

/**
 * Everything the two stacks take from outside, read once from CDK context
 * (cdk.json, or `-c key=value` on the command line). Nothing here needs AWS
 * credentials or a network: the stacks are environment-agnostic.
 */
export interface Settings {
  /** ECS cluster, service, task-definition family, container and log-group name. */
  readonly serviceName: string;
  /** Name of the ECR repository the registry stack creates and the service pulls from. */
  readonly imageRepositoryName: string;
  /** "owner/repo" allowed to assume the GitHub Actions deploy role; empty: no role. */
  readonly githubRepository: string;
  /** Create the account's GitHub OIDC provider (only one may exist per account). */
  readonly createGithubOidcProvider: boolean;
  /** Optional e-mail subscribed to the alarm topic (and the budget). */
  readonly alarmEmail: string;
  /** Optional monthly AWS Budget in USD; 0 disables it. */
  readonly monthlyBudgetUsd: number;
  /** Optional ACM certificate ARN: adds an HTTPS listener and redirects HTTP to it. */
  readonly certificateArn: string;
  /** RDS Multi-AZ standby (doubles the database cost). */
  readonly multiAz: boolean;
}

export const DEFAULT_SETTINGS: Settings = {
  serviceName: 'pricebook',
  imageRepositoryName: 'pricebook',
  githubRepository: '',
  createGithubOidcProvider: false,
  alarmEmail: '',
  monthlyBudgetUsd: 0,
  certificateArn: '',
  multiAz: false,
};

function bool(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  return String(value).toLowerCase() === 'true';
}

export function settingsFromContext(app: App): Settings {
  const ctx = (key: keyof Settings): unknown => app.node.tryGetContext(key);
  const str = (key: keyof Settings): string => {
    const value = ctx(key);
    return value === undefined || value === null ? String(DEFAULT_SETTINGS[key]) : String(value);
  };
  const budget = Number(ctx('monthlyBudgetUsd') ?? 0);
  if (!Number.isFinite(budget) || budget < 0) {
    throw new Error(`monthlyBudgetUsd must be a non-negative number, got ${String(ctx('monthlyBudgetUsd'))}`);
  }
  return {
    serviceName: str('serviceName'),
    imageRepositoryName: str('imageRepositoryName'),
    githubRepository: str('githubRepository'),
    createGithubOidcProvider: bool(ctx('createGithubOidcProvider'), false),
    alarmEmail: str('alarmEmail'),
    monthlyBudgetUsd: budget,
    certificateArn: str('certificateArn'),
    multiAz: bool(ctx('multiAz'), false),
  };
}
