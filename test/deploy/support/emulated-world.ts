import type { ProviderMirror } from '../../support/terraform';
import { DeployedSync } from './deployed-sync';
import { Deployment } from './deployment';
import { startAllocationIdKeeper } from './gaps';
import { startMoto } from './moto';
import { clients, createWorld, type Clients, type World } from './world';

/** What one test file applies into: its own emulator, the estate built in it, a deployment and the deployed syncs. */
export interface EmulatedWorld {
  /** SDK clients of the emulator (through the allocation-id keeper, as terraform reaches it). */
  readonly aws: Clients;
  readonly world: World;
  /** Nothing applied yet: `use` an environment, then `apply`. */
  readonly deployment: Deployment;
  readonly sync: DeployedSync;
  stop(): Promise<void>;
}

/** Starts moto, the keeper in front of it and the DNS stand-in, and builds the world; stops what started on failure. */
export async function startEmulatedWorld(mirror: ProviderMirror): Promise<EmulatedWorld> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne();
  };
  try {
    const moto = await startMoto();
    stops.push(() => moto.stop());
    const emulator = await startAllocationIdKeeper(moto.endpoint);
    stops.push(() => emulator.stop());
    const aws = clients(emulator.endpoint);
    const world = await createWorld(aws);
    const sync = await DeployedSync.start(aws, emulator.endpoint, world);
    stops.push(() => sync.stop());
    return { aws, world, deployment: new Deployment(mirror, emulator.endpoint), sync, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
