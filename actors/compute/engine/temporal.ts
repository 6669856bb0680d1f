/**
 * The temporal filter (plan.ts' `temporal`, Materialize's temporal MFP): a row that changes at
 * time t with diff d, present at [lower, upper) by its bounds, becomes d at max(t, lower) and -d
 * at upper (when finite and later than that). Changes at later times wait here, by time, and the
 * engine processes the times this node asks for (`nextTime`) as it processes its inputs' times,
 * once every input frontier has passed them: so a row leaves the output when the clock passes
 * its upper bound, with no new input. A row whose bounds fail to evaluate is reported to the
 * error sink at t with its diff.
 */
import type { Row } from '../../../protocol/types.js';
import { EvaluationError } from '../../../protocol/compute/scalar.js';
import type { Interval } from '../../../protocol/compute/temporal.js';
import { BaseNode, Delta, type Node, type StepContext } from './node.js';

export class TemporalNode extends BaseNode {
  /** Changes scheduled for later times, by time. */
  private readonly scheduled = new Map<number, Delta>();
  /** The scheduled times, sorted ascending (the least first). */
  private times: number[] = [];
  private held = 0;

  constructor(
    id: number,
    arity: number,
    private readonly input: Node,
    private readonly bounds: (row: Row) => Interval,
  ) {
    super(id, arity);
  }

  /** The least time with a scheduled change, if any. */
  nextTime(): number | undefined {
    return this.times[0];
  }

  step(ctx: StepContext): Delta | undefined {
    const t = ctx.time;
    let out = this.take(t);
    const d = ctx.deltas[this.input.id];
    if (d === undefined) return out;
    const { rows, diffs } = d;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      const diff = diffs[i]!;
      let interval: Interval;
      try {
        interval = this.bounds(row);
      } catch (err) {
        if (!(err instanceof EvaluationError)) throw err;
        ctx.error(err.message, diff);
        continue;
      }
      if (interval === null) continue;
      const from = interval.lower > t ? interval.lower : t;
      if (interval.upper <= from) continue;
      if (from === t) (out ??= new Delta()).push(row, diff);
      else this.schedule(from, row, diff);
      if (interval.upper !== Infinity) this.schedule(interval.upper, row, -diff);
    }
    return out !== undefined && out.length > 0 ? out : undefined;
  }

  /** The changes scheduled at `t` (removed), if any. */
  private take(t: number): Delta | undefined {
    const d = this.scheduled.get(t);
    if (d === undefined) return undefined;
    this.scheduled.delete(t);
    // t is the least scheduled time (the engine processes times in order), but be exact anyway.
    if (this.times[0] === t) this.times.shift();
    else this.times = this.times.filter((x) => x !== t);
    this.held -= d.length;
    return d;
  }

  private schedule(t: number, row: Row, diff: number): void {
    let d = this.scheduled.get(t);
    if (d === undefined) {
      this.scheduled.set(t, (d = new Delta()));
      insertSorted(this.times, t);
    }
    d.push(row, diff);
    this.held++;
  }

  override records(): number {
    return this.held;
  }
}

function insertSorted(xs: number[], t: number): void {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  xs.splice(lo, 0, t);
}
