import * as path from 'node:path';
import * as validate from '../config/validate';
import { buildApp } from '../main';
import { StaticIpStack } from '../modules/static-ip-stack';
import { FULL, MINIMAL } from './fixtures/environments';
import { tempDir } from './support/temp-dir';

// The real functions, counted.
jest.mock('../config/validate', () => {
  const actual = jest.requireActual('../config/validate');
  return { ...actual, resolveEnvironment: jest.fn(actual.resolveEnvironment), resolveEnvironments: jest.fn(actual.resolveEnvironments) };
});

describe('buildApp', () => {
  test('resolves every environment once, and each stack builds from what was resolved, without resolving again', () => {
    const outdir = tempDir('main-');
    const app = buildApp([MINIMAL, FULL], { outdir, bundleOutdir: path.join(outdir, 'bundle') });
    expect(validate.resolveEnvironments).toHaveBeenCalledTimes(1);
    expect(validate.resolveEnvironment).not.toHaveBeenCalled();
    const [resolved] = jest.mocked(validate.resolveEnvironments).mock.results.map((result) => result.value);
    const stacks = app.node.children.filter((child): child is StaticIpStack => child instanceof StaticIpStack);
    expect(stacks.map((stack) => stack.environment)).toHaveLength(2);
    stacks.forEach((stack, i) => expect(stack.environment).toBe(resolved[i]));
  });
});
