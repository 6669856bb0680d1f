/**
 * Planned SELECTs by statement text, as Postgres keeps prepared statements: a client that sends
 * the same query again skips libpg-query and the planner. An entry is valid only for the catalog
 * generation it was planned in (every CREATE and DROP starts a new one, so a cached plan never
 * names a dropped object or misses a new index). Bounded: the least recently used entry goes
 * first. Only successfully planned statements are kept; errors are planned (and reported) anew.
 */
import type { Plan } from '../../protocol/compute/plan.js';
import type { Row } from '../../protocol/types.js';
import type { ResultColumn } from '../../protocol/control/response.js';
import type { ReadSource } from './reads.js';
import type { Finishing } from './sql/index.js';

/** A SELECT ready to run: its plan, where each input is read from, and the finishing. */
export interface PreparedSelect {
  plan: Plan;
  inputs: Array<{ name: string; id: string }>;
  sources: Map<string, ReadSource>;
  columns: ResultColumn[];
  finishing: Finishing;
  /**
   * Where it runs: `peek`, a linear plan over one index, in the peek on the cluster; `evaluate`,
   * here over index peeks or one STORAGE snapshot; `transient`, as a transient dataflow.
   */
  route: 'peek' | 'evaluate' | 'transient';
  /** For `peek` over an index whose key columns the filters fix to literals: the key tuples (key-lookup.ts). */
  lookup?: Row[];
}

export const PLAN_CACHE_ENTRIES = 512;

export class PlanCache {
  private readonly entries = new Map<string, { generation: number; prepared: PreparedSelect }>();

  constructor(private readonly capacity = PLAN_CACHE_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  /** The statement's plan if it was planned in this catalog generation. */
  get(text: string, generation: number): PreparedSelect | undefined {
    const e = this.entries.get(text);
    if (!e) return undefined;
    this.entries.delete(text);
    if (e.generation !== generation) return undefined;
    this.entries.set(text, e); // most recently used last
    return e.prepared;
  }

  set(text: string, generation: number, prepared: PreparedSelect): void {
    this.entries.delete(text);
    this.entries.set(text, { generation, prepared });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}
