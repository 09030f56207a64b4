import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { EnvironmentConfig } from '../../config/types';
import { EXPORT_DEFAULTS } from '../../scripts/export-hcl';
import { safetyBlocksOfHcl, safetyBlocksOfJson } from '../../scripts/safety-blocks';
import { synthesize } from '../support/synth';
import { describeWithTerraform } from '../support/terraform';

const execFileAsync = promisify(execFile);
const PROJECT_ROOT = path.resolve(__dirname, '../..');
/** Two cdktf syntheses (about 10 s each here) and terraform fmt, on 2 busy cores. */
const EXPORT_TIMEOUT_MS = 300_000;

/** Every kind of safety block the stacks write: removed, moved, import (an adopted address), lifecycle settings. */
const FIXTURES: readonly EnvironmentConfig[] = [
  {
    name: 'export-safety-a',
    region: 'eu-west-1',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    zones: [
      { availabilityZone: 'eu-west-1a', subnetId: 'subnet-0a1b2c3d4e5f60001' },
      { availabilityZone: 'eu-west-1b', subnetId: 'subnet-0a1b2c3d' },
    ],
    albs: {
      app: {
        dnsName: 'internal-app-1234567890.eu-west-1.elb.amazonaws.com',
        arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/app/50dc6c495c0c9188',
      },
    },
    routes: [{ listenerPort: 80 }, { listenerPort: 443, mode: 'alb-target' }],
    frontDoors: { globalAccelerator: {} },
    ingressCidrs: ['198.51.100.0/24'],
  },
  {
    name: 'export-safety-b',
    region: 'us-east-1',
    vpcId: 'vpc-1a2b3c4d',
    zones: [
      { availabilityZone: 'us-east-1a', subnetId: 'subnet-1a2b3c4d', staticIp: { allocationId: 'eipalloc-0a1b2c3d4e5f60718', adopt: true } },
    ],
    albs: { other: { dnsName: 'internal-other-987654321.us-east-1.elb.amazonaws.com' } },
    routes: [{ listenerPort: 443 }],
    ingressCidrs: ['198.51.100.0/24'],
  },
];

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alb-static-ip-export-safety-'));
const outdir = path.join(workDir, 'hcl');

describeWithTerraform('npm run export:hcl keeps every safety block', () => {
  const synthesized = synthesize(FIXTURES);

  beforeAll(async () => {
    await execFileAsync('npm', ['run', '--silent', 'export:hcl', '--', '--out', outdir, '--app', 'npx tsx test/support/fixture-app.ts'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        CHECKPOINT_DISABLE: '1',
        FIXTURE_ENVIRONMENTS: JSON.stringify(FIXTURES),
        FIXTURE_BUNDLE_OUTDIR: path.join(workDir, 'bundle'),
      },
    });
  }, EXPORT_TIMEOUT_MS);
  afterAll(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  test.each(FIXTURES.map(({ name }) => name))(
    '%s: the exported main.tf holds the safety blocks of the JSON synthesis, block by block',
    (stack) => {
      const json = synthesized.get(stack)!.json as unknown as Record<string, unknown>;
      const expected = safetyBlocksOfJson(json);
      // The kinds these stacks write, so the comparison cannot pass on two empty lists.
      for (const kind of ['removed ', 'moved ', ' lifecycle.prevent_destroy=true', ' lifecycle.create_before_destroy=true']) {
        expect(expected.some((line) => line.includes(kind))).toBe(true);
      }
      const hcl = fs.readFileSync(path.join(outdir, stack, EXPORT_DEFAULTS.exportedFile), 'utf8');
      expect(safetyBlocksOfHcl(hcl)).toEqual(expected);
    },
  );

  test('the adopted address keeps its import block', () => {
    const hcl = fs.readFileSync(path.join(outdir, FIXTURES[1].name, EXPORT_DEFAULTS.exportedFile), 'utf8');
    expect(safetyBlocksOfHcl(hcl).filter((line) => line.startsWith('import '))).toEqual([
      expect.stringMatching(/^import aws_eip\.static-ips_eip-us-east-1a_[0-9A-F]{8} id=eipalloc-0a1b2c3d4e5f60718$/),
    ]);
  });
});
