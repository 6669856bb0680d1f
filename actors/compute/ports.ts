/**
 * What a cluster needs from the outside, as small interfaces: the incremental engine (built from a
 * plan) and STORAGE (subscribe to a collection, read its upper and contents, compare-and-append).
 * The cluster is written against these; engine-binding.ts and storage-client.ts implement them.
 */
import type { Frontier, Row, Update } from '../../protocol/types.js';

/**
 * Updates as parallel arrays (protocol/storage's DecodedUpdates): `rows[i]` changes by `diffs[i]`
 * at `times[i]`, not necessarily consolidated.
 */
export interface UpdateColumns {
  readonly rows: Row[];
  readonly times: number[];
  readonly diffs: number[];
}

/** An installed dataflow's incremental engine. */
export interface Engine {
  pushInput(name: string, updates: Update[]): void;
  /**
   * The same as pushInput, for updates in parallel arrays (not necessarily consolidated). The
   * caller gives the arrays up: the engine may keep them as its input buffer.
   */
  pushInputColumns(name: string, updates: UpdateColumns): void;
  /**
   * Evaluation errors an input carries (`[message, time, diff]`: a materialized view's persisted
   * errors), added to the dataflow's own errors at their times.
   */
  pushInputErrors(name: string, errors: Array<[string, number, number]>): void;
  advanceInput(name: string, frontier: Frontier): void;
  /**
   * Processes every newly complete time; returns consolidated output updates, the changes of the
   * evaluation errors (`[[message], time, diff]`) and the output frontier. With `outputFrom`,
   * changes at times before it are left out (the caller has no use for them; the output index
   * records them all the same).
   */
  step(outputFrom?: number): { updates: Update[]; errors: Update[]; frontier: Frontier };
  /**
   * Output contents at `asOf` (since <= asOf < frontier); with `lookup`, only the rows whose index
   * key columns equal one of its tuples.
   */
  peek(asOf: number, lookup?: readonly Row[]): Array<[Row, number]>;
  /** Output contents and evaluation errors (message, multiplicity) at `asOf`, without failing on errors. */
  contentsAt(asOf: number): { rows: Array<[Row, number]>; errors: Array<[string, number]> };
  allowCompaction(since: number): void;
  arrangedRecords(): number;
}

/** Builds a dataflow's engine; `indexKeys`: the output index's key columns (peeks may look rows up by them). */
export type EngineFactory = (plan: unknown, inputs: string[], asOf: number, indexKeys?: readonly number[]) => Engine;

/** A live subscription to a STORAGE collection. */
export interface CollectionSubscription {
  cancel(): void;
}

/** Receives a collection's updates (consolidated, time order) and progress. */
export interface CollectionListener {
  /** Updates at times >= the previous progress (the first call carries the snapshot at asOf). */
  updates(updates: Update[]): void;
  /**
   * The same, not consolidated (the engine consolidates), decoded as they are read; the port
   * calls this instead of `updates` when it has it. A thrown error fails the subscription.
   */
  unconsolidated?(updates: UpdateColumns): void;
  /** Every update before `upper` has been delivered; `[]` = the collection will never change. */
  progress(upper: Frontier): void;
  /** The subscription failed for good (e.g. the collection was dropped). */
  failed(error: Error): void;
}

/** `following`: an empty append that asked to follow the txns upper (`follow`) was granted it. */
export type AppendOutcome = { ok: true; following?: boolean } | { ok: false; currentUpper: number };

/** STORAGE as COMPUTE uses it. */
export interface StoragePort {
  subscribe(collection: string, asOf: number, listener: CollectionListener): Promise<CollectionSubscription>;
  /** The collection's current [since, upper]. */
  frontiers(collection: string): Promise<{ since: number; upper: number }>;
  snapshot(collection: string, asOf: number): Promise<Array<[Row, number]>>;
  compareAndAppend(args: {
    collection: string;
    writer: string;
    token: string;
    expectedUpper: number;
    newUpper: number;
    updates: Update[];
    /** With no updates: the view's inputs, asking that it follow its host's txns upper. */
    follow?: string[];
  }): Promise<AppendOutcome>;
}
