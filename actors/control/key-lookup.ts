/**
 * The key lookup of a SELECT answered by one index's peek: when the plan's filters fix every key
 * column of the index to a literal of the column's own type (`WHERE id = 7`, `WHERE k = 'a' AND
 * n = 2`, `WHERE id IN (1, 2)`), the peek carries those values (`Peek.lookup`) and the cluster
 * reads only the rows with them, through the index's key hash, instead of every row (as a
 * Materialize peek on an index with literal key constraints). The filters still run on the rows found, so the lookup only
 * narrows what is read. An IN list (an OR of such equalities on one column) gives one tuple per
 * value (the product over the key columns, at most MAX_TUPLES). Anything else (a cast, another
 * type, NULL, NaN, `<`, an OR across columns) gets no lookup.
 * Filters are read through the plan's projections and maps (the planner prunes columns with a
 * projection right above the index's rows).
 */
import type { Expr, Plan } from '../../protocol/compute/plan.js';
import type { ColumnType, Row, Value } from '../../protocol/types.js';

/** At most this many lookup tuples (the product of the key columns' IN lists); more: no lookup. */
const MAX_TUPLES = 1000;

type Lit = { value: Value; type: ColumnType };

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
  /** Index column -> the values some predicate requires it to have (one of). */
  const allowed = new Map<number, Lit[]>();
  for (let i = path.length - 2; i >= 0; i--) {
    const p = path[i]!;
    if (p.op === 'project') origin = p.columns.map((c) => origin[c] ?? -1);
    else if (p.op === 'map') origin = [...origin, ...p.exprs.map(() => -1)];
    else if (p.op === 'filter') {
      for (const pred of conjuncts(p.predicates)) {
        const c = oneOf(pred);
        const column = c ? (origin[c.col] ?? -1) : -1;
        // Any one predicate on a column bounds the answer (they are all ANDed): the first will do.
        if (c && column >= 0 && !allowed.has(column)) allowed.set(column, c.lits);
      }
    }
  }
  let tuples: Value[][] = [[]];
  for (let i = 0; i < keys.length; i++) {
    const lits = allowed.get(keys[i]!);
    if (!lits || !lits.every((l) => usable(l, types[i]!))) return undefined;
    tuples = tuples.flatMap((t) => lits.map((l) => [...t, l.value]));
    if (tuples.length > MAX_TUPLES) return undefined;
  }
  return tuples;
}

/** A literal a key column of `type` can be looked up by: of that type, not NULL, not NaN. */
function usable(l: Lit, type: ColumnType): boolean {
  return l.type === type && l.value !== null && !(typeof l.value === 'number' && Number.isNaN(l.value));
}

/** The predicates, with ANDs taken apart. */
function conjuncts(predicates: Expr[]): Expr[] {
  return predicates.flatMap((p) => (p.op === 'call' && p.fn === 'and' ? conjuncts(p.args) : [p]));
}

/** `col = literal` (either way round), or an OR of those on one column (an IN list): the column and its literals. */
function oneOf(p: Expr): { col: number; lits: Lit[] } | undefined {
  const eq = equality(p);
  if (eq) return { col: eq.col, lits: [eq.lit] };
  if (p.op !== 'call' || p.fn !== 'or' || p.args.length === 0) return undefined;
  const parts = p.args.map(oneOf);
  const col = parts[0]?.col;
  if (col === undefined || parts.some((q) => q === undefined || q.col !== col)) return undefined;
  return { col, lits: parts.flatMap((q) => q!.lits) };
}

/** `col = literal` or `literal = col`: the column and the literal. */
function equality(p: Expr): { col: number; lit: Lit } | undefined {
  if (p.op !== 'call' || p.fn !== '=' || p.args.length !== 2) return undefined;
  const [a, b] = p.args as [Expr, Expr];
  if (a.op === 'col' && b.op === 'lit') return { col: a.index, lit: b };
  if (b.op === 'col' && a.op === 'lit') return { col: b.index, lit: a };
  return undefined;
}
