import { closeTempSession } from './temp-session';

/** Fails the run when its tests left anything in the temp dir. */
export default function globalTeardown(): void {
  closeTempSession();
}
