/**
 * Window functions in a SELECT (`f(...) OVER (PARTITION BY ... ORDER BY ... [frame])`): planning
 * each call (its type, arguments and window), collecting them per SELECT (WindowCollector), and
 * building the `window` plan nodes (protocol/compute/window.ts) after GROUP BY / HAVING and before
 * the select list, one node per distinct window, each computed column appended to its input.
 * Supported: row_number, rank, dense_rank, ntile(n), lag / lead (x [, offset [, default]] with
 * constant offset and default), first_value, last_value, and count / sum / avg / min / max OVER;
 * frames ROWS or RANGE from UNBOUNDED PRECEDING to CURRENT ROW or UNBOUNDED FOLLOWING (the
 * default, RANGE ... CURRENT ROW, includes the current row's peers). Not supported (0A000): named
 * windows, other frames, DISTINCT or FILTER in a window aggregate.
 */
import type { FuncCall, WindowDef } from 'libpg-query';
import type { Expr, OrderKey, Plan } from '../../../protocol/compute/plan.js';
import type { WindowCall, WindowFunction } from '../../../protocol/compute/window.js';
import { SqlState } from '../../../protocol/control/errors.js';
import type { ColumnType, Value } from '../../../protocol/types.js';
import { isIntegerType } from '../../../protocol/int-range.js';
import type { PlanContext } from './context.js';
import { planExpr, type ExprEnv } from './expr.js';
import { exprKey } from './exprs.js';
import { call, coerce, isNumeric, settle, type PExpr, type Typed } from './typed.js';

interface OrderItem {
  expr: PExpr;
  desc: boolean;
  nullsFirst: boolean;
}

export interface CollectedWindow {
  /** The call without its argument column (known once the node's input is built). */
  call: Omit<WindowCall, 'column'>;
  arg?: PExpr;
  partition: PExpr[];
  order: OrderItem[];
  /** Calls with the same key share one window node. */
  key: string;
}

export class WindowCollector {
  readonly list: CollectedWindow[] = [];
  add(w: CollectedWindow): number {
    this.list.push(w);
    return this.list.length - 1;
  }
}

// Postgres' frameOptions bits (nodes/parsenodes.h).
const NONDEFAULT = 0x1;
const RANGE = 0x2;
const ROWS = 0x4;
const START_UNBOUNDED_PRECEDING = 0x20;
const END_UNBOUNDED_FOLLOWING = 0x100;
const END_CURRENT_ROW = 0x400;
const SUPPORTED = NONDEFAULT | RANGE | ROWS | 0x10 /* BETWEEN */ | START_UNBOUNDED_PRECEDING | END_UNBOUNDED_FOLLOWING | END_CURRENT_ROW;

function frameOf(w: WindowDef, ordered: boolean, ctx: PlanContext, location?: number): WindowCall['frame'] {
  const opts = w.frameOptions ?? 0;
  if (!(opts & NONDEFAULT)) return ordered ? 'range' : 'partition';
  if (opts & ~SUPPORTED || !(opts & START_UNBOUNDED_PRECEDING) || !(opts & (ROWS | RANGE))) {
    throw ctx.unsupported('this window frame', location, 'frames from UNBOUNDED PRECEDING to CURRENT ROW or UNBOUNDED FOLLOWING are supported');
  }
  if (opts & END_UNBOUNDED_FOLLOWING) return 'partition';
  if (!ordered) return 'partition'; // every row is a peer of every other
  return opts & ROWS ? 'rows' : 'range';
}

/** A constant of `type` from a planned argument (lag/lead offsets and defaults, ntile's buckets). */
function constant(t: Typed, type: ColumnType, what: string, ctx: PlanContext, location?: number): Value {
  const c = coerce(t, type, ctx, location, what);
  if (c.expr.op !== 'lit') throw ctx.unsupported(`a ${what} that is not a constant`, location);
  return c.expr.value;
}

/** Plans `name(args) OVER (...)`, registering it with the SELECT's collector. */
export function planWindowCall(name: string, f: FuncCall, env: ExprEnv, location?: number): Typed {
  const { ctx } = env;
  const over = f.over!;
  if (over.name || over.refname) throw ctx.unsupported('named windows (WINDOW w AS ...)', location, 'write the window inline: OVER (PARTITION BY ... ORDER BY ...)');
  if (f.agg_distinct || f.agg_filter) throw ctx.unsupported('DISTINCT or FILTER in a window function', location);
  // Arguments and the window are planned where aggregates are allowed (over a grouped query's
  // groups) but window functions are not (they cannot nest).
  const inner: ExprEnv = { ctx, scope: env.scope, clause: 'window function calls', ...(env.aggregates ? { aggregates: env.aggregates } : {}) };
  const partition = (over.partitionClause ?? []).map((n) => settle(planExpr(n, inner), ctx).expr);
  const order: OrderItem[] = (over.orderClause ?? []).map((n) => {
    const sb = 'SortBy' in n ? n.SortBy : {};
    if (sb.sortby_dir === 'SORTBY_USING') throw ctx.unsupported('ORDER BY ... USING', location);
    const desc = sb.sortby_dir === 'SORTBY_DESC';
    const nullsFirst = sb.sortby_nulls === 'SORTBY_NULLS_FIRST' ? true : sb.sortby_nulls === 'SORTBY_NULLS_LAST' ? false : desc;
    return { expr: settle(planExpr(sb.node!, inner), ctx).expr, desc, nullsFirst };
  });
  const frame = frameOf(over, order.length > 0, ctx, location);
  const key = JSON.stringify([partition.map(exprKey), order.map((o) => [exprKey(o.expr), o.desc, o.nullsFirst])]);
  const args = (f.args ?? []).map((a) => planExpr(a, inner));
  const arity = (n: number[]) => {
    if (!n.includes(args.length)) throw ctx.error(SqlState.UndefinedFunction, `function ${name}(${args.map((a) => a.type ?? 'unknown').join(', ')}) does not exist`, location);
  };
  const register = (fn: WindowFunction, type: ColumnType, nullable: boolean, arg?: Typed, extra: Partial<WindowCall> = {}): Typed => {
    const index = env.windows!.add({ call: { fn, frame, ...extra }, ...(arg ? { arg: arg.expr } : {}), partition, order, key });
    return { expr: { op: 'win', index }, type, nullable, name };
  };
  if (f.agg_star) {
    if (name !== 'count') throw ctx.error(SqlState.UndefinedFunction, `function ${name}(*) does not exist`, location);
    return register('count_star', 'bigint', false);
  }
  switch (name) {
    case 'row_number':
    case 'rank':
    case 'dense_rank':
      arity([0]);
      return register(name, 'bigint', false);
    case 'ntile': {
      arity([1]);
      const buckets = constant(args[0]!, 'int', 'number of buckets', ctx, location);
      if (buckets === null || (buckets as number) <= 0) throw ctx.error('22014', 'argument of ntile must be greater than zero', location);
      return register('ntile', 'int', false, undefined, { offset: buckets as number });
    }
    case 'lag':
    case 'lead': {
      arity([1, 2, 3]);
      const x = settle(args[0]!, ctx, location);
      const offset = args[1] ? constant(args[1], 'int', `${name} offset`, ctx, location) : 1;
      if (offset === null || (offset as number) < 0) throw ctx.unsupported(`a NULL or negative ${name} offset`, location);
      const dflt = args[2] ? constant(args[2], x.type, `${name} default`, ctx, location) : null;
      return register(name, x.type, true, x, { offset: offset as number, ...(dflt !== null ? { default: dflt } : {}) });
    }
    case 'first_value':
    case 'last_value': {
      arity([1]);
      const x = settle(args[0]!, ctx, location);
      return register(name, x.type, x.nullable, x);
    }
    case 'count':
      arity([1]);
      return register('count', 'bigint', false, settle(args[0]!, ctx, location));
    case 'min':
    case 'max': {
      arity([1]);
      const x = settle(args[0]!, ctx, location);
      return register(name, x.type, true, x);
    }
    case 'sum':
    case 'avg': {
      arity([1]);
      let x = args[0]!;
      if (x.type === null) x = coerce(x, x.unknownText !== undefined ? 'numeric' : 'int', ctx, location);
      if (!isNumeric(x.type)) throw ctx.error(SqlState.UndefinedFunction, `function ${name}(${x.type}) does not exist`, location, `${name} takes a number`);
      // Postgres: avg of float is float, of integers and numeric numeric; sum of bigint numeric.
      if (name === 'avg') return x.type === 'float' ? register('avg', 'float', true, x) : register('avg_numeric', 'numeric', true, x);
      if (x.type === 'bigint' || x.type === 'numeric') {
        const t = register('sum_numeric', 'numeric', true, x);
        return { ...t, expr: call('check_numeric', t.expr) };
      }
      if (!isIntegerType(x.type!)) return register('sum', x.type!, true, x);
      // Postgres: sum of smallint / int is bigint, range-checked.
      const t = register('sum_numeric', 'bigint', true, x);
      return { ...t, expr: call('check_bigint', t.expr) };
    }
    default:
      throw ctx.error(SqlState.UndefinedFunction, `function ${name} does not exist or is not a window function`, location);
  }
}

/**
 * Builds the window nodes over `plan` (of `arity` columns): per distinct window, a map of the
 * partition, order and argument expressions that are not plain columns, then the window node.
 * `finalize` turns an expression over the SELECT's input into one over `plan` (grouped queries).
 * Returns the plan, its arity, and the column of each window call.
 */
export function applyWindows(plan: Plan, arity: number, windows: CollectedWindow[], finalize: (e: PExpr) => Expr): { plan: Plan; arity: number; columns: number[] } {
  const columns = new Array<number>(windows.length);
  const keys = [...new Set(windows.map((w) => w.key))];
  for (const key of keys) {
    const calls = windows.map((w, i) => [w, i] as const).filter(([w]) => w.key === key);
    const first = calls[0]![0];
    const extra: Expr[] = [];
    const columnFor = (e: PExpr): number => {
      const x = finalize(e);
      if (x.op === 'col') return x.index;
      const k = exprKey(x);
      const at = extra.findIndex((y) => exprKey(y) === k);
      if (at >= 0) return arity + at;
      extra.push(x);
      return arity + extra.length - 1;
    };
    const partitionBy = first.partition.map(columnFor);
    const orderBy: OrderKey[] = first.order.map((o) => ({ column: columnFor(o.expr), desc: o.desc, nullsFirst: o.nullsFirst }));
    const functions: WindowCall[] = calls.map(([w]) => ({ ...w.call, ...(w.arg ? { column: columnFor(w.arg) } : {}) }));
    if (extra.length > 0) plan = { op: 'map', input: plan, exprs: extra };
    const inputArity = arity + extra.length;
    plan = { op: 'window', input: plan, partitionBy, orderBy, functions };
    calls.forEach(([, i], j) => (columns[i] = inputArity + j));
    arity = inputArity + functions.length;
  }
  return { plan, arity, columns };
}

/** Replaces each window call reference in `e` by its column. */
export function resolveWindows(e: Expr, columns: number[]): Expr {
  const x = e as Expr | { op: 'win' | 'sub'; index: number };
  switch (x.op) {
    case 'win':
      return { op: 'col', index: columns[x.index]! };
    case 'sub':
      return x as unknown as Expr; // resolved by sql/subquery.ts
    case 'col':
    case 'lit':
      return x;
    case 'call':
      return { op: 'call', fn: x.fn, args: x.args.map((a) => resolveWindows(a, columns)) };
    case 'case':
      return { op: 'case', whens: x.whens.map((w) => ({ when: resolveWindows(w.when, columns), then: resolveWindows(w.then, columns) })), else: resolveWindows(x.else, columns) };
  }
}
