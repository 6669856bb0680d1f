/**
 * A benchmark figure: one measured number printed beside its baseline measured in the same run.
 * Every bench module exports an async function returning figures; bench/index.ts prints them and
 * optionally writes them to JSON (`npm run bench -- --json FILE`).
 */
export interface Figure {
  /** What was measured, e.g. "request/reply through an actor (median round trip)". */
  name: string;
  value: number;
  unit: string;
  /** The baseline measured in the same run, e.g. raw NATS request/reply. */
  baseline?: { name: string; value: number };
  /** value / baseline.value, computed by `figure()`. */
  ratio?: number;
  /** The target as text, e.g. "ratio <= 1.3", and whether this run met it. */
  target?: { text: string; met: boolean };
}

/** Builds a figure; `target` receives (value, ratio) and says whether the target is met. */
export function figure(
  name: string,
  value: number,
  unit: string,
  baseline?: { name: string; value: number },
  target?: { text: string; check: (value: number, ratio: number | undefined) => boolean },
): Figure {
  const f: Figure = { name, value, unit };
  if (baseline) {
    f.baseline = baseline;
    f.ratio = baseline.value === 0 ? Number.POSITIVE_INFINITY : value / baseline.value;
  }
  if (target) f.target = { text: target.text, met: target.check(value, f.ratio) };
  return f;
}

/** The median of a list of numbers. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The p-th percentile (0..100) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Runs a full GC when node was started with --expose-gc (every bench module is). */
export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The heap in use after two full GCs, in MiB. */
export function heapMB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}
