/**
 * The key lookup of a SELECT answered by one index's peek: when the plan's filters fix every key
 * column of the index to a literal of the column's own type (`WHERE id = 7`, `WHERE k = 'a' AND
 * n = 2`), the peek carries those values (`Peek.lookup`) and the cluster reads only the rows with
 * them, through the index's key hash, instead of every row (as a Materialize peek on an index
 * with literal key constraints). The filters still run on the rows found, so the lookup only
 * narrows what is read; anything else (a cast, another type, NULL, NaN, `<`, OR) gets no lookup.
 */
import type { Expr, Plan } from '../../protocol/compute/plan.js';
import type { ColumnType, Row, Value } from '../../protocol/types.js';

/** The lookup tuples for `plan` over an index with key columns `keys` of types `types`, or undefined. */
export function keyLookup(plan: Plan, keys: readonly number[], types: readonly ColumnType[]): Row[] | undefined {
  if (keys.length === 0) return undefined;
  // From the root down to the get; only filters below every project see the index's columns
  // (a map appends columns, so the index's keep their numbers).
  const path: Plan[] = [];
  for (let p: Plan = plan; ; ) {
    path.push(p);
    if (p.op === 'get') break;
    if (p.op !== 'filter' && p.op !== 'map' && p.op !== 'project') return undefined;
    p = p.input;
  }
  const predicates: Expr[] = [];
  for (let i = path.length - 2; i >= 0; i--) {
    const p = path[i]!;
    if (p.op === 'project') break;
    if (p.op === 'filter') predicates.push(...p.predicates);
  }
  const key: Value[] = [];
  for (let i = 0; i < keys.length; i++) {
    const v = equalTo(predicates, keys[i]!, types[i]!);
    if (v === undefined) return undefined;
    key.push(v);
  }
  return [key];
}

/** The literal some predicate `col = literal` (or `literal = col`) sets column `col` to, if any. */
function equalTo(predicates: Expr[], col: number, type: ColumnType): Value | undefined {
  for (const p of predicates) {
    if (p.op !== 'call' || p.fn !== '=' || p.args.length !== 2) continue;
    const [a, b] = p.args as [Expr, Expr];
    const lit = a.op === 'col' && a.index === col && b.op === 'lit' ? b : b.op === 'col' && b.index === col && a.op === 'lit' ? a : undefined;
    if (!lit || lit.type !== type || lit.value === null || (typeof lit.value === 'number' && Number.isNaN(lit.value))) continue;
    return lit.value;
  }
  return undefined;
}
