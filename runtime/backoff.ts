/**
 * Restart backoff, as Pekko's BackoffSupervisor does it: exponential from `minMs` to `maxMs` with
 * random jitter, and reset to the start after the child has run for `resetAfterMs` without failing.
 */
import type { Random } from './random.js';

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** Fraction of the delay added at random: 0.2 means up to +20%. */
  jitter: number;
  /** A child that has been running this long without failing starts again from `minMs`. */
  resetAfterMs: number;
  /** Restart at once after the first failure of a quiet period (as OTP does); back off from the
   *  second on (`minMs`, then doubling). Host processes use it: a crash is usually a one-off. */
  immediateFirst?: boolean;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 100, maxMs: 10_000, jitter: 0.2, resetAfterMs: 30_000 };

/** The delay before restart number `attempt` (0 = the first restart after a quiet period). */
export function backoffDelay(options: BackoffOptions, attempt: number, random: Random): number {
  if (options.immediateFirst) {
    if (attempt === 0) return 0;
    attempt--;
  }
  const base = Math.min(options.maxMs, options.minMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 + options.jitter * random.next()));
}
