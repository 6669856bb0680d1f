/**
 * Functions in FROM. `generate_series(start, stop [, step])` over integers (Postgres' int4 / int8
 * variants), with constant arguments, is a constant relation of one column named after its alias
 * (or `generate_series`), as Postgres gives it: start, start + step, ... while not past stop; an
 * empty series when the range runs the other way; step 0 is 22023. At most MAX_SERIES_ROWS rows
 * (54000 beyond). Arguments that are not constants (a LATERAL series), numeric or timestamp
 * series, `unnest` and the other set-returning functions are 0A000.
 */
import type { FuncCall, RangeFunction } from 'libpg-query';
import { SqlState } from '../../../protocol/control/errors.js';
import type { ColumnType, Row } from '../../../protocol/types.js';
import { inIntRange } from '../../../protocol/int-range.js';
import { stringOf, type PlanContext } from './context.js';
import { planExpr } from './expr.js';
import { foldExpr } from './fold.js';
import { toExpr } from './exprs.js';
import type { Rel } from './rel.js';
import { Scope } from './scope.js';
import { coerce, type Typed } from './typed.js';

export const MAX_SERIES_ROWS = 1_000_000;

export function planRangeFunction(rf: RangeFunction, ctx: PlanContext): Rel {
  if (rf.lateral) throw ctx.unsupported('LATERAL', undefined);
  if (rf.ordinality || rf.is_rowsfrom || (rf.functions ?? []).length !== 1) throw ctx.unsupported('WITH ORDINALITY or ROWS FROM', undefined);
  const item = rf.functions![0]!;
  const f = 'List' in item ? item.List.items?.[0] : undefined;
  const call: FuncCall | undefined = f && 'FuncCall' in f ? f.FuncCall : undefined;
  const name = call ? (call.funcname ?? []).map((n) => stringOf(n)).pop() : undefined;
  if (!call || name !== 'generate_series') throw ctx.unsupported(`the function ${name ?? '(expression)'} in FROM`, call?.location, 'generate_series(start, stop [, step]) over integers is supported');
  const location = call.location;
  const env = { ctx, scope: Scope.empty(), clause: 'functions in FROM' };
  const args = (call.args ?? []).map((a) => planExpr(a, env));
  if (args.length < 2 || args.length > 3) throw ctx.error(SqlState.UndefinedFunction, `function generate_series with ${args.length} arguments does not exist`, location);
  const type: ColumnType = args.some((a) => a.type === 'bigint') ? 'bigint' : 'int';
  const values = args.map((a) => constantInt(a, type, ctx, location));
  const [start, stop] = values as [number | null, number | null];
  const step = values[2] === undefined ? 1 : values[2];
  if (step === 0) throw ctx.error('22023', 'step size cannot equal zero', location);
  const rows: Array<[Row, number]> = [];
  if (start !== null && stop !== null && step !== null) {
    const count = (stop - start) / step < 0 ? 0 : Math.floor((stop - start) / step) + 1;
    if (count > MAX_SERIES_ROWS) throw ctx.error('54000', `generate_series would produce ${count} rows, more than ${MAX_SERIES_ROWS}`, location);
    for (let i = 0; i < count; i++) rows.push([[start + i * step], 1]);
  }
  const column = stringOf(rf.alias?.colnames?.[0]) ?? rf.alias?.aliasname ?? 'generate_series';
  const columns = [{ name: column, type, nullable: false }];
  return { plan: { op: 'constant', rows, arity: 1 }, cols: [{ type, nullable: false }], scope: Scope.ofRelation(columns, rf.alias?.aliasname ?? 'generate_series') };
}

/** An integer constant argument (NULL gives an empty series, as in Postgres). */
function constantInt(a: Typed, type: ColumnType, ctx: PlanContext, location?: number): number | null {
  if (a.type !== null && a.type !== 'int' && a.type !== 'bigint' && a.type !== 'smallint') throw ctx.unsupported(`generate_series over ${a.type}`, location, 'integer series are supported');
  const t = coerce(a, a.type === 'bigint' ? 'bigint' : type === 'bigint' && a.type === 'int' ? 'int' : type, ctx, location, 'generate_series');
  if (t.type !== 'int' && t.type !== 'bigint' && t.type !== 'smallint') throw ctx.unsupported(`generate_series over ${t.type}`, location);
  const e = foldExpr(toExpr(t.expr), t.type);
  if (e.op !== 'lit') throw ctx.unsupported('generate_series with arguments that are not constants', location, 'a series over columns needs LATERAL, which is not supported yet');
  const v = e.value as number | null;
  if (v !== null && !inIntRange(v, type === 'bigint' ? 'bigint' : 'int')) throw ctx.error('22003', `${type === 'bigint' ? 'bigint' : 'integer'} out of range`, location);
  return v;
}
