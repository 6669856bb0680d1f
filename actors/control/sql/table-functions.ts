/**
 * Functions in FROM. `generate_series(start, stop [, step])` over integers (Postgres' int4 / int8
 * variants), with constant arguments, is a constant relation of one column named after its alias
 * (or `generate_series`), as Postgres gives it: start, start + step, ... while not past stop; an
 * empty series when the range runs the other way; step 0 is 22023. At most MAX_SERIES_ROWS rows
 * (54000 beyond). `unnest(array)`: its elements. In a correlated subquery their arguments may
 * read the outer row (subquery.ts plans them as a flat_map over D). Elsewhere, arguments that
 * are not constants (LATERAL), numeric or timestamp series and the other set-returning
 * functions are 0A000.
 */
import type { FuncCall, RangeFunction } from 'libpg-query';
import { SqlState } from '../../../protocol/control/errors.js';
import type { ColumnType, Row, Value } from '../../../protocol/types.js';
import { SqlError } from '../../../protocol/control/errors.js';
import { elementTypeOf } from '../../../protocol/array.js';
import { MAX_SERIES_VALUES, tableFunctionValues, type TableFunction } from '../../../protocol/compute/table-function.js';
import { inIntRange } from '../../../protocol/int-range.js';
import { stringOf, type PlanContext } from './context.js';
import { planExpr } from './expr.js';
import { foldExpr } from './fold.js';
import { toExpr } from './exprs.js';
import type { Rel } from './rel.js';
import { Scope } from './scope.js';
import { coerce, type Typed } from './typed.js';

export const MAX_SERIES_ROWS = MAX_SERIES_VALUES;

/** A function in FROM, planned: the table function, its arguments over `scope`, its one column. */
export interface TableFunctionCall {
  func: TableFunction;
  args: Typed[];
  column: { name: string; type: ColumnType; nullable: boolean };
  alias: string;
}

/** Plans the call of a function in FROM with its arguments over `scope` (empty: constants only). */
export function planTableFunctionCall(rf: RangeFunction, ctx: PlanContext, scope: Scope): TableFunctionCall {
  if (rf.lateral) throw ctx.unsupported('LATERAL', undefined);
  if (rf.ordinality || rf.is_rowsfrom || (rf.functions ?? []).length !== 1) throw ctx.unsupported('WITH ORDINALITY or ROWS FROM', undefined);
  const item = rf.functions![0]!;
  const f = 'List' in item ? item.List.items?.[0] : undefined;
  const call: FuncCall | undefined = f && 'FuncCall' in f ? f.FuncCall : undefined;
  const names = call ? (call.funcname ?? []).map((n) => stringOf(n)) : [];
  const name = names[names.length - 1];
  if (!call || (name !== 'generate_series' && name !== 'unnest') || (names.length > 1 && names[0] !== 'pg_catalog')) {
    throw ctx.unsupported(`the function ${name ?? '(expression)'} in FROM`, call?.location, 'generate_series(start, stop [, step]) over integers and unnest(array) are supported');
  }
  const location = call.location;
  const env = { ctx, scope, clause: 'functions in FROM' };
  const planned = (call.args ?? []).map((a) => planExpr(a, env));
  const aliasName = rf.alias?.aliasname ?? name;
  const columnName = stringOf(rf.alias?.colnames?.[0]) ?? rf.alias?.aliasname ?? name;
  if (name === 'unnest') {
    if (planned.length !== 1) throw ctx.error(SqlState.UndefinedFunction, `function unnest with ${planned.length} arguments does not exist`, location, 'unnest of one array is supported');
    const element = elementTypeOf(planned[0]!.type);
    if (!element) throw ctx.error(SqlState.UndefinedFunction, `function unnest(${planned[0]!.type ?? 'unknown'}) does not exist`, location);
    return { func: 'unnest', args: planned, column: { name: columnName, type: element, nullable: true }, alias: aliasName };
  }
  if (planned.length < 2 || planned.length > 3) throw ctx.error(SqlState.UndefinedFunction, `function generate_series with ${planned.length} arguments does not exist`, location);
  const type: ColumnType = planned.some((a) => a.type === 'bigint') ? 'bigint' : 'int';
  const args = planned.map((a) => {
    if (a.type !== null && a.type !== 'int' && a.type !== 'bigint' && a.type !== 'smallint') throw ctx.unsupported(`generate_series over ${a.type}`, location, 'integer series are supported');
    return coerce(a, type, ctx, location, 'generate_series');
  });
  return { func: 'generate_series', args, column: { name: columnName, type, nullable: false }, alias: aliasName };
}

/**
 * A function in FROM with constant arguments: a constant relation of one column named after its
 * alias (or the function), as Postgres gives it. Arguments that are not constants (a LATERAL
 * call) are 0A000 here; a correlated subquery's FROM may read the outer row (subquery.ts).
 */
export function planRangeFunction(rf: RangeFunction, ctx: PlanContext): Rel {
  const c = planTableFunctionCall(rf, ctx, Scope.empty());
  const location = undefined;
  const values = c.args.map((a) => {
    const e = foldExpr(toExpr(a.expr), a.type ?? 'text');
    if (e.op !== 'lit') throw ctx.unsupported(`${c.func} with arguments that are not constants`, location, 'a series over columns needs LATERAL, which is not supported yet');
    return e.value;
  });
  if (c.func === 'generate_series') {
    for (const v of values) {
      // A series runs on doubles: bounds past ±(2^53 - 1) (numbers or tagged) would round, so they are 22003.
      if (v !== null && (typeof v !== 'number' || !Number.isSafeInteger(v) || !inIntRange(v, c.column.type === 'bigint' ? 'bigint' : 'int'))) throw ctx.error('22003', `${c.column.type === 'bigint' ? 'bigint' : 'integer'} out of range`, location);
    }
  }
  let out: Value[];
  try {
    out = tableFunctionValues(c.func, values, (message) => {
      throw new SqlError(message.startsWith('step') ? '22023' : '54000', message);
    });
  } catch (e) {
    if (e instanceof SqlError) throw ctx.error(e.sqlstate, e.message, location);
    throw e;
  }
  const rows: Array<[Row, number]> = out.map((v) => [[v], 1]);
  const columns = [c.column];
  return { plan: { op: 'constant', rows, arity: 1 }, cols: [{ type: c.column.type, nullable: c.column.nullable }], scope: Scope.ofRelation(columns, c.alias) };
}
