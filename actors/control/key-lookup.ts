/**
 * The key lookup of a SELECT answered by one index's peek: when the plan's filters fix every key
 * column of the index to a literal of the column's own type (`WHERE id = 7`, `WHERE k = 'a' AND
 * n = 2`), the peek carries those values (`Peek.lookup`) and the cluster reads only the rows with
 * them, through the index's key hash, instead of every row (as a Materialize peek on an index
 * with literal key constraints). The filters still run on the rows found, so the lookup only
 * narrows what is read; anything else (a cast, another type, NULL, NaN, `<`, OR) gets no lookup.
 * Filters are read through the plan's projections and maps (the planner prunes columns with a
 * projection right above the index's rows).
 */
import type { Expr, Plan } from '../../protocol/compute/plan.js';
import type { ColumnType, Row, Value } from '../../protocol/types.js';

/** The lookup tuples for `plan` over an index with key columns `keys` of types `types`, or undefined. */
export function keyLookup(plan: Plan, keys: readonly number[], types: readonly ColumnType[]): Row[] | undefined {
  if (keys.length === 0) return undefined;
  const path: Plan[] = [];
  for (let p: Plan = plan; ; ) {
    path.push(p);
    if (p.op === 'get') break;
    if (p.op !== 'filter' && p.op !== 'map' && p.op !== 'project') return undefined;
    p = p.input;
  }
  // Up from the get, which index column each column is (-1: computed by a map), so a filter
  // above a projection or a map is read in the index's columns.
  const get = path[path.length - 1] as Extract<Plan, { op: 'get' }>;
  let origin = Array.from({ length: get.arity }, (_, i) => i);
  const fixed = new Map<number, { value: Value; type: ColumnType }>();
  for (let i = path.length - 2; i >= 0; i--) {
    const p = path[i]!;
    if (p.op === 'project') origin = p.columns.map((c) => origin[c] ?? -1);
    else if (p.op === 'map') origin = [...origin, ...p.exprs.map(() => -1)];
    else if (p.op === 'filter') {
      for (const pred of p.predicates) {
        const eq = equality(pred);
        const column = eq ? (origin[eq.col] ?? -1) : -1;
        if (eq && column >= 0 && !fixed.has(column)) fixed.set(column, eq.lit);
      }
    }
  }
  const key: Value[] = [];
  for (let i = 0; i < keys.length; i++) {
    const lit = fixed.get(keys[i]!);
    if (!lit || lit.type !== types[i] || lit.value === null || (typeof lit.value === 'number' && Number.isNaN(lit.value))) return undefined;
    key.push(lit.value);
  }
  return [key];
}

/** `col = literal` or `literal = col`: the column and the literal. */
function equality(p: Expr): { col: number; lit: { value: Value; type: ColumnType } } | undefined {
  if (p.op !== 'call' || p.fn !== '=' || p.args.length !== 2) return undefined;
  const [a, b] = p.args as [Expr, Expr];
  if (a.op === 'col' && b.op === 'lit') return { col: a.index, lit: b };
  if (b.op === 'col' && a.op === 'lit') return { col: b.index, lit: a };
  return undefined;
}
