/**
 * The iteration of a `fixpoint` plan node (SQL's WITH RECURSIVE), as PostgreSQL runs a recursive
 * query: the working table starts as the non-recursive term's rows; each round evaluates the
 * recursive term over the working table only, and what it yields becomes the next working table
 * and is appended to the result, until a round yields nothing. With UNION (`distinct`) the result
 * is a set: the non-recursive term's rows are deduplicated and each round keeps only the rows not
 * yet in the result. With UNION ALL every row counts with its multiplicity.
 *
 * The number of rounds is bounded: past `limit` the iteration stops with the rows it has and an
 * evaluation error (recursionLimitMessage) where PostgreSQL would run forever. Both the reference
 * evaluator and the engine's FixpointNode run this function, so they agree by construction.
 */
import type { Row } from '../types.js';
import { consolidateRows, keyOf } from './row.js';

type Collection = Array<[Row, number]>;

/** The rounds a recursive query may take when its plan does not say (Materialize's default is 100; deep graphs need more). */
export const DEFAULT_RECURSION_LIMIT = 10_000;

/** The evaluation error of a recursive query that did not finish within `limit` rounds. */
export function recursionLimitMessage(limit: number): string {
  return `recursive query exceeded the recursion limit of ${limit} rounds`;
}

/** Whether an evaluation error message is recursionLimitMessage's (CONTROL maps it to SQLSTATE 54001). */
export function isRecursionLimitMessage(message: string): boolean {
  return message.startsWith('recursive query exceeded the recursion limit');
}

/**
 * The result of the recursive query whose non-recursive term yields `base` and whose recursive
 * term, over a working table, is `step`. Errors (the recursion limit) are added to `errors`.
 */
export function iterateFixpoint(base: Collection, distinct: boolean, limit: number, step: (working: Collection) => Collection, errors: Map<string, number>): Collection {
  const seen = new Set<string>();
  const result: Collection = [];
  const fresh = (rows: Collection): Collection => {
    const out: Collection = [];
    for (const [row, d] of consolidateRows(rows)) {
      if (d === 0) continue;
      if (distinct) {
        if (d < 0) continue;
        const k = keyOf(row);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push([row, 1]);
      } else out.push([row, d]);
    }
    return out;
  };
  let working = fresh(base);
  let rounds = 0;
  while (working.length > 0) {
    for (const r of working) result.push(r);
    if (rounds === limit) {
      const message = recursionLimitMessage(limit);
      errors.set(message, (errors.get(message) ?? 0) + 1);
      break;
    }
    rounds++;
    working = fresh(step(working));
  }
  return consolidateRows(result);
}
