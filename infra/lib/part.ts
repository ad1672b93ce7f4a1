import { type CfnElement, Names, Stack } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

/**
 * A part of a stack (network, database, service, …): a folder for the code, not for CloudFormation.
 * Its resources get the logical IDs they would have as direct children of the stack, so that moving
 * resources between parts, or out of one big constructor into parts, replaces nothing that is
 * deployed: named resources (cluster, log groups, alarms) cannot be created twice, EC2 rejects a
 * second copy of a security-group rule, and the database must never be replaced.
 *
 * A part's child named `Default` stands for the part itself (CDK's own convention): it takes the
 * part's name in logical IDs and in the unique IDs CDK derives from paths (the database keeps its
 * secret's ID that way).
 */
export class StackPart extends Construct {}

/** A stack whose `StackPart` children leave no trace in logical IDs. */
export class StackOfParts extends Stack {
  /** Unique IDs of constructs inside parts -> the same without part IDs, for a tree of `size` constructs. */
  private partFreeUniqueIds = { size: -1, ids: new Map<string, string>() };

  protected override allocateLogicalId(element: CfnElement): string {
    const path = this.partFreePath(element).map((id) => this.withPartFreeUniqueIds(id));
    return uniqueIdOf(path);
  }

  /** The construct IDs from below this stack down to `construct`, without the parts' own IDs. */
  private partFreePath(construct: IConstruct): string[] {
    const scopes = construct.node.scopes;
    const below = scopes.slice(scopes.indexOf(this) + 1);
    return below
      .filter((scope, i) => !(scope instanceof StackPart && below[i + 1]?.node.id !== 'Default'))
      .map((scope) => scope.node.id);
  }

  /**
   * Some construct IDs embed another construct's unique ID (a security-group rule names its peer
   * group: "from PricebookServiceSecurityGroup39B63C6E:443"); those are rewritten part-free too.
   */
  private withPartFreeUniqueIds(id: string): string {
    let result = id;
    for (const [real, partFree] of this.currentPartFreeUniqueIds()) result = result.split(real).join(partFree);
    return result;
  }

  /** Recomputed whenever constructs were added since, so a logical ID asked for early is still right. */
  private currentPartFreeUniqueIds(): Map<string, string> {
    const all = this.node.findAll();
    if (all.length === this.partFreeUniqueIds.size) return this.partFreeUniqueIds.ids;
    const ids = new Map<string, string>();
    for (const construct of all) {
      if (construct === this || !construct.node.scopes.some((s) => s instanceof StackPart)) continue;
      const stackPath = this.node.scopes.slice(1).map((scope) => scope.node.id);
      const partFree = uniqueIdOf([...stackPath, ...this.partFreePath(construct)]);
      const real = Names.uniqueId(construct);
      if (real !== partFree) ids.set(real, partFree);
    }
    this.partFreeUniqueIds = { size: all.length, ids };
    return ids;
  }
}

/** CDK's unique ID (human-readable part + hash) of a path, through its public API. */
function uniqueIdOf(path: string[]): string {
  let scope = new Construct(undefined as unknown as Construct, '');
  for (const id of path) scope = new Construct(scope, id);
  return Names.uniqueId(scope);
}
