import { TerraformStack, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { RemovedBlocks, logicalIdAt, pathBelowStack } from '../modules/terraform-addresses';
import { testApp, type TerraformJson } from './support/synth';

/** A real resource at `path` below a stack, as cdktf names it. */
function elementAt(path: readonly string[]): S3Bucket {
  const stack = new TerraformStack(testApp(), 'stack');
  const parent = path.slice(0, -1).reduce<Construct>((scope, id) => new Construct(scope, id), stack);
  return new S3Bucket(parent, path[path.length - 1], {});
}

describe('logicalIdAt', () => {
  // Every rule of cdktf's naming: one component as is, hidden ids, dropped repetitions, stripped characters, long paths.
  test.each<[string, string[]]>([
    ['one component', ['state']],
    ["0.1's Elastic IP", ['static-ip-nlb', 'eip-subnet-0a1b2c3d']],
    ["a zone's Elastic IP", ['static-ips', 'eip-eu-west-1a']],
    ['a component the previous one ends with', ['sync-state', 'state']],
    ['a repetition of a dropped component, compared with the last one kept', ['ab', 'b', 'ab']],
    ['Default, left out', ['sync', 'Default', 'bucket']],
    ['Resource, hashed but not shown', ['sync', 'Resource']],
    ['characters Terraform names do not take', ['a.b', 'c d', 'e:f']],
    ['one component too long to stand alone', ['x'.repeat(300)]],
    ['a path longer than the readable part', ['y'.repeat(200), 'z'.repeat(200)]],
  ])('%s: the name cdktf gives a real resource there', (_, path) => {
    expect(logicalIdAt(path)).toBe(elementAt(path).friendlyUniqueId);
  });

  test('reads the path below the stack, as cdktf does', () => {
    const element = elementAt(['front-doors', 'static-ips', 'eip-eu-west-1a']);
    expect(pathBelowStack(element, TerraformStack.of(element))).toEqual(['front-doors', 'static-ips', 'eip-eu-west-1a']);
  });

  test('an empty path has no name', () => {
    expect(() => logicalIdAt(['Default'])).toThrow('logicalIdAt: the path is empty');
  });
});

describe('RemovedBlocks', () => {
  const block = (from: string) => ({ from, lifecycle: { destroy: false as const } });
  const removedOf = (json: TerraformJson) => (json as TerraformJson & { removed?: unknown[] }).removed;

  test("each element's blocks are kept beside the others' and beside the stack's own removed override", () => {
    const stack = new TerraformStack(testApp(), 'stack');
    new RemovedBlocks(new Construct(stack, 'first'), 'removed', [block('aws_eip.a')]);
    new RemovedBlocks(new Construct(stack, 'second'), 'removed', [block('aws_eip.b'), block('aws_eip.c')]);
    // A team's own `removed` block, written as a stack override after the elements.
    stack.addOverride('removed', [block('aws_s3_bucket.theirs')]);
    const json: TerraformJson = JSON.parse(Testing.synth(stack));
    expect(removedOf(json)).toEqual([block('aws_eip.a'), block('aws_eip.b'), block('aws_eip.c'), block('aws_s3_bucket.theirs')]);
  });
});
