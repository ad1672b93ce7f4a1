import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { StackPart } from './part.ts';

export interface DatabaseProps {
  /** Instance identifier, database secret name prefix and log group name. */
  readonly name: string;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  /** A standby in a second AZ (doubles the cost). */
  readonly multiAz: boolean;
}

/**
 * RDS PostgreSQL 16 in the isolated data subnets: encrypted, TLS only, backed up for 7 days,
 * protected from deletion, its password generated into Secrets Manager (`<name>/database`).
 */
export class Database extends StackPart {
  readonly instance: rds.DatabaseInstance;
  /** The RDS-format secret (host, port, username, password, dbname) the tasks read at start. */
  readonly secret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const { name } = props;
    // `Default`: the instance is this part's own resource, so it keeps the logical ID (and the
    // secret's) it had before the stack was split into parts; a new one would replace the database.
    this.instance = new rds.DatabaseInstance(this, 'Default', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      publiclyAccessible: false,
      multiAz: props.multiAz,
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
    const logGroup = new logs.LogGroup(this, 'DatabaseLogs', {
      logGroupName: `/aws/rds/instance/${name}/postgresql`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.instance.node.addDependency(logGroup);
    // The description CDK derives from the instance's ID ("Subnet group for Database database"
    // before the split), kept so that the split changes nothing deployed.
    const subnetGroup = this.instance.node.findChild('SubnetGroup').node.defaultChild as rds.CfnDBSubnetGroup;
    subnetGroup.dbSubnetGroupDescription = `Subnet group for ${id} database`;
    if (!this.instance.secret) throw new Error('the database must have a generated secret');
    this.secret = this.instance.secret;
    this.acknowledgeNagFindings(props.multiAz);
  }

  private acknowledgeNagFindings(multiAz: boolean): void {
    const ack = (id: string, reason: string) => Validations.of(this.instance).acknowledge({ id, reason });
    ack(
      'AwsSolutions-RDS11',
      'The default PostgreSQL port is kept: the database is in isolated subnets and its security group admits only the service tasks, so a non-standard port adds no protection.',
    );
    if (!multiAz) {
      ack(
        'AwsSolutions-RDS3',
        'Single-AZ by default to halve the database cost; automated backups (7 days) cover recovery. Deploy with -c multiAz=true for a standby.',
      );
    }
    ack(
      'AwsSolutions-SMG4',
      'ECS injects the credentials into tasks at start only; an automatic rotation would break running tasks until they restart. Rotation is a documented manual step (DEPLOY.md) followed by a forced deployment.',
    );
  }
}
