import { createHash } from 'node:crypto';
import { TerraformElement } from 'cdktf';
import type { Construct } from 'constructs';

/** cdktf's naming scheme (TerraformStack.allocateLogicalId), which is not public API. */
const NAMING = {
  /** Left out of the path altogether. */
  hiddenId: 'Default',
  /** Left out of the readable part, kept in the hash. */
  hiddenFromHumanId: 'Resource',
  separator: '_',
  hashLength: 8,
  maxHumanLength: 240,
  maxIdLength: 255,
} as const;

/**
 * The name cdktf gives an element whose construct path under its stack is `path` (`aws_eip.<name>`), for
 * addresses that are not in the construct tree: those of earlier versions, and of zones no longer configured.
 * cdktf keeps its own function private; test/terraform-addresses.test.ts compares this one with cdktf's naming of
 * real constructs, so a cdktf upgrade that changes the scheme fails there rather than in a deployed stack's plan.
 */
export function logicalIdAt(path: readonly string[]): string {
  const components = path.filter((component) => component !== NAMING.hiddenId);
  if (components.length === 0) throw new Error('logicalIdAt: the path is empty');
  const allowed = (component: string) => component.replace(/[^A-Za-z0-9_-]/g, '');
  if (components.length === 1 && allowed(components[0]).length <= NAMING.maxIdLength) return allowed(components[0]);
  const hash = createHash('md5').update(components.join('/')).digest('hex').slice(0, NAMING.hashLength).toUpperCase();
  // A component the last one kept ends with is left out: `bucket/bucket` reads `bucket`.
  const kept = components.reduce<string[]>(
    (all, component) => (all.length > 0 && all[all.length - 1].endsWith(component) ? all : [...all, component]),
    [],
  );
  const human = kept
    .filter((component) => component !== NAMING.hiddenFromHumanId)
    .map(allowed)
    .join(NAMING.separator)
    .slice(0, NAMING.maxHumanLength);
  return `${human}${NAMING.separator}${hash}`;
}

/** The ids of `construct`'s path below its stack, as cdktf names its elements by. */
export function pathBelowStack(construct: Construct, stack: Construct): string[] {
  const scopes = construct.node.scopes;
  return scopes.slice(scopes.indexOf(stack) + 1).map((scope) => scope.node.id);
}

/** One `removed` block: Terraform forgets the resource at `from` instead of destroying it. */
export interface RemovedBlock {
  readonly from: string;
  readonly lifecycle: { readonly destroy: false };
}

/**
 * Top-level `removed` blocks, as an element of the tree: the stack merges each element's blocks with the
 * others' (lists are concatenated), so every construct that forgets addresses adds its own.
 */
export class RemovedBlocks extends TerraformElement {
  constructor(
    scope: Construct,
    id: string,
    private readonly blocks: readonly RemovedBlock[],
  ) {
    super(scope, id);
  }

  override toTerraform(): { removed: RemovedBlock[] } {
    return { removed: [...this.blocks] };
  }
}
