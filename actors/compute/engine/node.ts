/**
 * What every operator of a dataflow is: a node that, at each complete time, turns its inputs'
 * changes at that time (deltas) into its own change at that time. Times are processed one at a
 * time in increasing order, so a node only ever needs its state as of the previous time plus the
 * deltas of the current one. Nodes never see NATS, LevelDB or wall-clock time.
 */
import type { Row } from '../../../protocol/types.js';
import type { Arrangement } from './arrangement.js';

/** The changes of one collection at one time: `rows[i]` with multiplicity change `diffs[i]`. */
export class Delta {
  constructor(
    readonly rows: Row[] = [],
    readonly diffs: number[] = [],
  ) {}
  push(row: Row, diff: number): void {
    this.rows.push(row);
    this.diffs.push(diff);
  }
  get length(): number {
    return this.rows.length;
  }
}

/** Receives evaluation errors (message, multiplicity change) at the time being processed. */
export type ErrorSink = (message: string, diff: number) => void;

/** What a node can read while computing its delta at one time. */
export interface StepContext {
  /** The time being processed. */
  readonly time: number;
  /** The first time processed (the dataflow's asOf). */
  readonly asOf: number;
  /** Deltas of nodes already processed at this time, by node id; undefined = no change. */
  readonly deltas: Array<Delta | undefined>;
  readonly error: ErrorSink;
}

/** One operator instance. Ids are positions in topological order (inputs first). */
export interface Node {
  readonly id: number;
  readonly arity: number;
  /** Arrangements of this node's output, kept up to date by the engine after each step. */
  readonly arrangements: Arrangement[];
  /** This node's change at `ctx.time`, or undefined when nothing changed. */
  step(ctx: StepContext): Delta | undefined;
  /** Records held in this node's private state (arrangements are counted separately). */
  records(): number;
}

/** Common fields of nodes. */
export abstract class BaseNode implements Node {
  readonly arrangements: Arrangement[] = [];
  constructor(
    readonly id: number,
    readonly arity: number,
  ) {}
  abstract step(ctx: StepContext): Delta | undefined;
  records(): number {
    return 0;
  }
}
