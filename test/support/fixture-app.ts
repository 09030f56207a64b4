import { buildApp } from '../../main';

/**
 * A cdktf app of fixture environments, for tests that run the cdktf CLI (`--app "tsx test/support/fixture-app.ts"`):
 * FIXTURE_ENVIRONMENTS holds the environments as JSON, FIXTURE_BUNDLE_OUTDIR the bundle folder, so that its
 * synthesis can match one of test/support/synth.ts byte for byte.
 */
const environments = process.env.FIXTURE_ENVIRONMENTS;
if (!environments) throw new Error('FIXTURE_ENVIRONMENTS is not set: the fixture app needs its environments as JSON');
buildApp(JSON.parse(environments), { bundleOutdir: process.env.FIXTURE_BUNDLE_OUTDIR }).synth();
