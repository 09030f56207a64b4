import * as fs from 'node:fs';
import * as path from 'node:path';
import { deployStack, planAgainst, type Deployed } from '../support/deployed-state';
import {
  CDK_TERRAIN_PACKAGES,
  cdkTerrainAvailability,
  filesBelow,
  jsonDifferences,
  requiredProviders,
  synthesizeOn,
  typeCheckOn,
  type CdkSynthesis,
  type CdkTerrainAvailability,
} from '../support/cdk-terrain';
import { ACCELERATOR_ONLY, EXISTING_ADDRESSES, FULL, MINIMAL, TWO_ALBS } from '../fixtures/environments';
import {
  copyStackForCheck,
  describeWithTerraform,
  expectCleanPlan,
  needsAws,
  terraformCheck,
  terraformRequired,
  type ProviderMirror,
} from '../support/terraform';

/**
 * The same app on CDK Terrain (cdktn, @cdktn/provider-aws), the community continuation of CDK for Terraform: the
 * repository's code loaded unchanged with its cdktf imports resolved to cdktn, synthesized next to a cdktf synthesis
 * of the same fixtures, both under the same Node.js 22. The Terraform JSONs are the same but for named, explained
 * differences, and Terraform plans them alike: fresh, and as a switch of a stack deployed from the cdktf synthesis.
 */

const FIXTURES = [MINIMAL, FULL, TWO_ALBS, EXISTING_ADDRESSES, ACCELERATOR_ONLY];
/** Both syntheses in their child processes: 5 to 10 s each on an idle core. (The install happens while jest collects.) */
const SYNTH_TIMEOUT_MS = 300_000;
/** tsc over the project's code: 10 to 20 s of one core. */
const TYPECHECK_TIMEOUT_MS = 180_000;
/** Two plans side by side; a deploy "as if" is several plans of the whole stack (cached across runs), then one more. */
const TERRAFORM_TIMEOUT_MS = 600_000;

/** The manifest of the package `name` as installed here. */
function manifestOf<T>(name: string): T {
  return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as T;
}

/** The packages the proof is about: the swap must leave no cdktf module behind. */
const CDKTF_VERSIONS = {
  cdktf: manifestOf<{ version: string }>('cdktf').version,
  providerAws: manifestOf<{ version: string; cdktf: { provider: { version: string } } }>('@cdktf/provider-aws'),
  constructs: manifestOf<{ version: string }>('constructs').version,
};

describeWithTerraform('CDK Terrain synthesizes the app to the Terraform cdktf does', (mirror) => {
  const terrain = cdkTerrainAvailability();
  if (!terrain.available) {
    if (terraformRequired) {
      test('CDK Terrain is installed (CI=true or REQUIRE_TERRAFORM=1)', () => {
        throw new Error(`the CDK Terrain proof is required here, but ${terrain.reason}`);
      });
    } else {
      console.warn(`Skipping the CDK Terrain proof: ${terrain.reason}. CI=true or REQUIRE_TERRAFORM=1 makes this a failure.`);
      test.skip('needs CDK Terrain', () => undefined);
    }
    return;
  }
  proveSwitch(terrain, mirror);
});

function proveSwitch(terrain: Extract<CdkTerrainAvailability, { available: true }>, mirror: ProviderMirror): void {
  let cdktf: CdkSynthesis;
  let cdktn: CdkSynthesis;
  const cdktnProviderVersion = (
    JSON.parse(fs.readFileSync(path.join(terrain.modulesDir, '@cdktn', 'provider-aws', 'package.json'), 'utf8')) as {
      cdktn: { provider: { version: string } };
    }
  ).cdktn.provider.version;

  beforeAll(async () => {
    // One after the other: each keeps a core busy for seconds.
    cdktf = await synthesizeOn(FIXTURES, { node: terrain.node });
    cdktn = await synthesizeOn(FIXTURES, terrain);
  }, SYNTH_TIMEOUT_MS);

  test('each synthesis loaded its own packages only: the swap left nothing of cdktf behind', () => {
    expect(cdktf.loadedPackages).toEqual([
      `@cdktf/provider-aws@${CDKTF_VERSIONS.providerAws.version}`,
      `cdktf@${CDKTF_VERSIONS.cdktf}`,
      `constructs@${CDKTF_VERSIONS.constructs}`,
    ]);
    expect(cdktn.loadedPackages).toEqual([
      `@cdktn/provider-aws@${CDK_TERRAIN_PACKAGES['@cdktn/provider-aws']}`,
      `cdktn@${CDK_TERRAIN_PACKAGES.cdktn}`,
      `constructs@${CDK_TERRAIN_PACKAGES.constructs}`,
    ]);
  });

  test.each(FIXTURES.map(({ name }) => name))(
    '%s: the Terraform JSON differs only in the provider requirement and the library version of its metadata',
    (stack) => {
      expect(jsonDifferences(cdktf.stacks.get(stack)!.json, cdktn.stacks.get(stack)!.json)).toEqual([
        // Metadata for the CLI (Terraform ignores `//`): the version of the library that wrote it.
        { path: '//.metadata.version', left: CDKTF_VERSIONS.cdktf, right: CDK_TERRAIN_PACKAGES.cdktn },
        // Both name registry.terraform.io/hashicorp/aws: `aws` is the short form Terraform expands to it.
        { path: 'terraform.required_providers.aws.source', left: 'aws', right: 'hashicorp/aws' },
        // The exact provider version each binding package was generated from.
        {
          path: 'terraform.required_providers.aws.version',
          left: CDKTF_VERSIONS.providerAws.cdktf.provider.version,
          right: cdktnProviderVersion,
        },
      ]);
    },
  );

  test('the assets (the sync function zips) are the same files, byte for byte', () => {
    const zips = FIXTURES.flatMap(({ name }) => {
      const [left, right] = [cdktf, cdktn].map(({ stacks }) => stacks.get(name)!.dir);
      const files = filesBelow(left).filter((file) => file !== 'cdk.tf.json');
      expect(filesBelow(right).filter((file) => file !== 'cdk.tf.json')).toEqual(files);
      for (const file of files) expect(fs.readFileSync(path.join(right, file)).equals(fs.readFileSync(path.join(left, file)))).toBe(true);
      return files.filter((file) => file.endsWith('.zip'));
    });
    expect(zips.length).toBeGreaterThan(0);
  });

  test('the app manifest (stacks, their dependencies, the warnings the CLI prints) is the same but for the library version', () => {
    // Annotations carry the stack trace of where they were made: file paths inside cdktf or cdktn.
    const differences = jsonDifferences(cdktf.manifest, cdktn.manifest).filter(({ path: at }) => !/\.stacktrace\.\d+$/.test(at));
    expect(differences).toEqual([{ path: 'version', left: CDKTF_VERSIONS.cdktf, right: CDK_TERRAIN_PACKAGES.cdktn }]);
  });

  test(
    "the project's code type-checks against cdktn's types, its imports unchanged",
    async () => {
      const { errors, files } = await typeCheckOn(terrain.modulesDir);
      expect(errors).toEqual([]);
      // The imports resolved to cdktn's declarations, and to none of cdktf's.
      const declarations = (name: string) => files.filter((file) => file.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`));
      expect(declarations('cdktn')).toContain(fs.realpathSync(path.join(terrain.modulesDir, 'cdktn', 'lib', 'index.d.ts')));
      expect(declarations(path.join('@cdktn', 'provider-aws')).length).toBeGreaterThan(0);
      expect([...declarations('cdktf'), ...declarations(path.join('@cdktf', 'provider-aws'))]).toEqual([]);
    },
    TYPECHECK_TIMEOUT_MS,
  );

  describe(`under terraform (hashicorp/aws ${mirror.awsVersion} from the mirror, for both)`, () => {
    const PLANNED = FULL.name;
    let deployed: Deployed | undefined;
    afterAll(() => deployed?.dispose());

    test("both require the one provider, registry.terraform.io/hashicorp/aws, each at its bindings' version", async () => {
      const [onCdktf, onCdktn] = await Promise.all([cdktf, cdktn].map(({ stacks }) => requiredProviders(stacks.get(PLANNED)!.dir, mirror)));
      expect(onCdktf).toEqual([`provider[registry.terraform.io/hashicorp/aws] ${CDKTF_VERSIONS.providerAws.cdktf.provider.version}`]);
      expect(onCdktn).toEqual([`provider[registry.terraform.io/hashicorp/aws] ${cdktnProviderVersion}`]);
    });

    test(
      `${PLANNED}: plans offline, and both syntheses plan the same actions, each creating exactly its resources`,
      async () => {
        const [left, right] = [cdktf, cdktn].map(({ stacks }) => stacks.get(PLANNED)!);
        expect(needsAws(right.json)).toEqual([]);
        const workDirs = [left, right].map(({ dir }) => copyStackForCheck(dir));
        try {
          const [onCdktf, onCdktn] = await Promise.all(workDirs.map((dir) => terraformCheck(dir, mirror)));
          expectCleanPlan(onCdktn, right.json);
          expect(onCdktn).toEqual(onCdktf);
        } finally {
          workDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
        }
      },
      TERRAFORM_TIMEOUT_MS,
    );

    test(
      `${PLANNED}: switching a stack deployed from the cdktf synthesis to the cdktn one plans no change`,
      async () => {
        deployed = await deployStack(cdktf.stacks.get(PLANNED)!.dir, mirror);
        const result = await planAgainst(deployed, cdktn.stacks.get(PLANNED)!.dir);
        expect(result.error).toBeUndefined();
        expect(result.changes).toEqual([]);
        expect(result.outputChanges).toEqual([]);
      },
      TERRAFORM_TIMEOUT_MS,
    );
  });
}
