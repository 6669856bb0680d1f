/**
 * Polls until a condition holds. The bound is not a performance assertion: it turns a platform
 * that never recovers into a readable error (and a drill violation) instead of a hung drill.
 * A `Fatal` error thrown by the condition ends the wait at once.
 */
export class Fatal extends Error {}

let abortReason: string | undefined;

/** Ends every wait at once (the platform is gone: waiting longer cannot help). */
export function abortWaits(reason: string | undefined): void {
  abortReason = reason;
}

export async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, boundMs = 120_000, everyMs = 25): Promise<T> {
  const end = Date.now() + boundMs;
  let last: unknown;
  for (;;) {
    if (abortReason) throw new Fatal(`${what}: ${abortReason}`);
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      if (err instanceof Fatal) throw err;
      last = err;
    }
    if (Date.now() > end) throw new Error(`${what} never happened${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
