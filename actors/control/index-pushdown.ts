/**
 * The filters of a SELECT over indexes pushed into their peeks (the `evaluate` route: every input
 * an index, the plan more than a filter of one). Each maximal map/filter/project over a `get` of
 * an index becomes one peek carrying that part of the plan (`Peek.mfp`) and, when its filters fix
 * the index's key, the key tuples (key-lookup.ts); the rest of the plan is evaluated here over
 * what the peeks answer, read as inputs of their own. So `SELECT count(*) FROM t WHERE k = 7`
 * over an index on `t (k)` reads the rows with `k = 7` from the index's key hash instead of every
 * row of the index, as does the read of an UPDATE or DELETE (`WHERE k = 7`): Materialize's peek
 * of an index with literal constraints, under a dataflow's worth of plan.
 */
import { planArity, type Plan } from '../../protocol/compute/plan.js';
import type { Row } from '../../protocol/types.js';
import { keyLookup } from './key-lookup.js';
import type { ReadSource } from './reads.js';

type IndexSource = Extract<ReadSource, { index: unknown }>['index'];

/** One peek of the evaluate route: its input name in the rewritten plan, the index, and what it applies. */
export interface PushedPeek {
  name: string;
  index: IndexSource;
  mfp?: Plan;
  lookup?: Row[];
}

/** `plan` with each linear part over an index replaced by a `get` of its peek; the peeks. */
export function pushIntoIndexes(plan: Plan, sources: Map<string, ReadSource>): { plan: Plan; peeks: PushedPeek[] } {
  const peeks: PushedPeek[] = [];
  const rewrite = (p: Plan): Plan => {
    const base = linearBase(p);
    const source = base ? sources.get(base.name) : undefined;
    if (base && source && 'index' in source) {
      const name = `${base.name}#${peeks.length}`;
      if (p === base) {
        peeks.push({ name, index: source.index });
      } else {
        const lookup = source.index.keys ? keyLookup(p, source.index.keys, source.index.keyTypes!) : undefined;
        peeks.push({ name, index: source.index, mfp: p, ...(lookup ? { lookup } : {}) });
      }
      return { op: 'get', name, arity: planArity(p) };
    }
    if ('input' in p) return { ...p, input: rewrite(p.input) };
    if ('inputs' in p) return { ...p, inputs: p.inputs.map(rewrite) };
    return p;
  };
  return { plan: rewrite(plan), peeks };
}

/** The `get` under a chain of map, filter and project, or undefined when `p` is not such a chain. */
export function linearBase(p: Plan): Extract<Plan, { op: 'get' }> | undefined {
  for (let q = p; ; q = q.input) {
    if (q.op === 'get') return q;
    if (q.op !== 'map' && q.op !== 'filter' && q.op !== 'project') return undefined;
  }
}
