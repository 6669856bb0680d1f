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
import type { FuncCall, Node, RangeFunction } from 'libpg-query';
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
import { ONE_EMPTY_ROW, project, range, type Rel } from './rel.js';
import type { Expr, Plan, ScalarFunction } from '../../../protocol/compute/plan.js';
import type { Column } from '../../../protocol/types.js';
import { MoreSqlState } from './context.js';
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
  if (needsZip(rf)) {
    const z = planZippedFunctions(rf, ctx, Scope.empty(), ONE_EMPTY_ROW, 0);
    return { plan: z.plan, cols: z.columns.map((c) => ({ type: c.type, nullable: c.nullable })), scope: Scope.ofRelation(z.columns, z.alias) };
  }
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

/** One function of a ROWS FROM: its columns, its number of rows, and its values at a 1-based ordinal. */
interface ZippedFunction {
  columns: Column[];
  length: Expr;
  values: (ord: Expr) => Expr[];
  /** Plans whose evaluation raises the function's argument errors (generate_series' step 0). */
  checks: Expr[][];
  /** Columns named by the function (OUT parameters: jsonb_each's key, value), not by the alias. */
  outNames?: boolean;
}

/**
 * jsonb's set-returning functions (protocol/compute/jsonb-scalar.ts): their columns, and the
 * kind of container they read (jsonb_length's `what`: a wrong kind is 22023, as in Postgres).
 */
const JSONB_SRFS: Record<string, { what: 'array' | 'object' | 'keys'; columns: Array<{ name: string; type: ColumnType }>; outNames: boolean }> = {
  jsonb_array_elements: { what: 'array', columns: [{ name: 'value', type: 'jsonb' }], outNames: true },
  jsonb_array_elements_text: { what: 'array', columns: [{ name: 'value', type: 'text' }], outNames: true },
  jsonb_each: { what: 'object', columns: [{ name: 'key', type: 'text' }, { name: 'value', type: 'jsonb' }], outNames: true },
  jsonb_each_text: { what: 'object', columns: [{ name: 'key', type: 'text' }, { name: 'value', type: 'text' }], outNames: true },
  jsonb_object_keys: { what: 'keys', columns: [{ name: 'jsonb_object_keys', type: 'text' }], outNames: false },
};

/** Whether `name` is one of jsonb's set-returning functions. */
export function isJsonbSrf(name: string | undefined): boolean {
  return name !== undefined && Object.prototype.hasOwnProperty.call(JSONB_SRFS, name);
}

/** Whether a function in FROM is planned by planZippedFunctions (ROWS FROM, ORDINALITY, jsonb's functions). */
export function needsZip(rf: RangeFunction): boolean {
  if (rf.is_rowsfrom || (rf.functions ?? []).length > 1 || rf.ordinality) return true;
  const item = rf.functions?.[0];
  const f = item && 'List' in item ? item.List.items?.[0] : undefined;
  const names = f && 'FuncCall' in f ? (f.FuncCall.funcname ?? []).map((n) => stringOf(n)) : [];
  return isJsonbSrf(names[names.length - 1]) && (names.length === 1 || names[0] === 'pg_catalog');
}

/** One of jsonb's set-returning functions as a ROWS FROM item. */
function jsonbSrf(name: string, args: Typed[], ctx: PlanContext, location: number | undefined): ZippedFunction {
  const srf = JSONB_SRFS[name]!;
  if (args.length !== 1 || (args[0]!.type !== null && args[0]!.type !== 'jsonb')) {
    throw ctx.error(SqlState.UndefinedFunction, `function ${name}(${args.map((a) => a.type ?? 'unknown').join(', ')}) does not exist`, location);
  }
  const a = toExpr(coerce(args[0]!, 'jsonb', ctx, location).expr);
  const value = (ord: Expr): Expr => fn('jsonb_value_at', a, ord);
  const values = (ord: Expr): Expr[] => {
    switch (name) {
      case 'jsonb_array_elements':
        return [value(ord)];
      case 'jsonb_array_elements_text':
        return [fn('jsonb_text_of', value(ord))];
      case 'jsonb_each':
        return [fn('jsonb_key_at', a, ord), value(ord)];
      case 'jsonb_each_text':
        return [fn('jsonb_key_at', a, ord), fn('jsonb_text_of', value(ord))];
      default:
        return [fn('jsonb_key_at', a, ord)];
    }
  };
  return { columns: srf.columns.map((c) => ({ ...c, nullable: true })), length: fn('jsonb_length', a, lit(srf.what, 'text')), values, checks: [], outNames: srf.outNames };
}

const lit = (value: Value, type: ColumnType): Expr => ({ op: 'lit', value, type });
const fn = (f: ScalarFunction, ...args: Expr[]): Expr => ({ op: 'call', fn: f, args });

/** The named function of a ROWS FROM item, its arguments over `scope`. */
function zippedFunction(item: Node, ctx: PlanContext, scope: Scope): ZippedFunction {
  const f = 'List' in item ? item.List.items?.[0] : item;
  const call: FuncCall | undefined = f && 'FuncCall' in f ? f.FuncCall : undefined;
  const names = call ? (call.funcname ?? []).map((n) => stringOf(n)) : [];
  const name = names[names.length - 1];
  const location = call?.location;
  const env = { ctx, scope, clause: 'functions in FROM' };
  const args = (call?.args ?? []).map((a) => planExpr(a, env));
  if (name === '_pg_expandarray' && (names.length === 1 || names[0] === 'information_schema')) {
    if (args.length !== 1) throw ctx.error(SqlState.UndefinedFunction, `function information_schema._pg_expandarray with ${args.length} arguments does not exist`, location);
    // pg_catalog's int2vector columns (pg_index.indkey) are text here ('1 3'): read as smallint[].
    const vector = args[0]!.type === 'text';
    const element = vector ? 'smallint' : elementTypeOf(args[0]!.type);
    if (!element) throw ctx.error(SqlState.UndefinedFunction, `function information_schema._pg_expandarray(${args[0]!.type ?? 'unknown'}) does not exist`, location);
    const a = vector
      ? fn('text_to_array', fn('||', fn('||', lit('{', 'text'), fn('replace', fn('trim', toExpr(args[0]!.expr)), lit(' ', 'text'), lit(',', 'text'))), lit('}', 'text')), lit('smallint', 'text'))
      : toExpr(args[0]!.expr);
    return {
      columns: [{ name: 'x', type: element, nullable: true }, { name: 'n', type: 'int', nullable: true }],
      length: fn('coalesce', fn('cardinality', a), lit(0, 'int')),
      values: (ord) => [fn('array_subscript', a, ord), ord],
      checks: [],
    };
  }
  if (isJsonbSrf(name) && (names.length === 1 || names[0] === 'pg_catalog')) return jsonbSrf(name!, args, ctx, location);
  // generate_series and unnest as planTableFunctionCall types them.
  const single: RangeFunction = { functions: [{ List: { items: [f!] } }] };
  const c = planTableFunctionCall(single, ctx, scope);
  const column = { name: c.column.name, type: c.column.type, nullable: true };
  if (c.func === 'unnest') {
    const a = toExpr(c.args[0]!.expr);
    return { columns: [column], length: fn('coalesce', fn('cardinality', a), lit(0, 'int')), values: (ord) => [fn('array_subscript', a, ord)], checks: [] };
  }
  const t = c.column.type;
  const [a, b, s = lit(1, t)] = c.args.map((x) => toExpr(x.expr));
  // (stop - start) / step + 1 when the range runs the step's way, else 0; NULL bounds: 0 rows.
  const span = (x: Expr, y: Expr, step: Expr): Expr => fn('+', fn('div_int', fn('-', x, y), step), lit(1, 'int'));
  const length: Expr = {
    op: 'case',
    whens: [
      { when: fn('or', fn('is_null', a!), fn('is_null', b!), fn('is_null', s)), then: lit(0, 'int') },
      { when: fn('and', fn('>', s, lit(0, t)), fn('>=', b!, a!)), then: span(b!, a!, s) },
      { when: fn('and', fn('<', s, lit(0, t)), fn('<=', b!, a!)), then: span(b!, a!, s) },
    ],
    else: lit(0, 'int'),
  };
  return {
    columns: [{ ...column, type: t }],
    length,
    values: (ord) => [fn(t === 'bigint' ? 'check_bigint' : 'check_int', fn('+', a!, fn('*', fn('-', ord, lit(1, 'int')), s)))],
    // generate_series(1, 1, coalesce(step, 1)): one row, or the error of a zero step.
    checks: [[lit(1, t), lit(1, t), fn('coalesce', s, lit(1, t))]],
  };
}

/**
 * `ROWS FROM (f(...), g(...)) [WITH ORDINALITY]` over `input` (of arity `arity`; the arguments
 * over `scope`, whose columns are input's): the functions zipped as Postgres does (as many rows
 * as the longest, the shorter padded with NULLs), by an ordinal i from generate_series(1,
 * greatest(length...)) and each function's i-th value. The output: input's columns, then every
 * function's columns, then the ordinality. `atLeastOne`: one row of NULLs when every function is
 * empty (LEFT JOIN LATERAL ... ON true).
 */
export function planZippedFunctions(rf: RangeFunction, ctx: PlanContext, scope: Scope, input: Plan, arity: number, atLeastOne = false): { plan: Plan; columns: Column[]; alias: string | undefined } {
  const items = rf.functions ?? [];
  const fns = items.map((item) => {
    const list = 'List' in item ? item.List.items ?? [] : [];
    if (list.length > 1 && list[1] !== undefined && Object.keys(list[1]!).length > 0 && !('List' in list[1]! && (list[1].List.items ?? []).length === 0)) {
      throw ctx.unsupported('a column definition list in ROWS FROM', undefined);
    }
    return zippedFunction(item, ctx, scope);
  });
  const lengths = fns.map((f) => f.length);
  const longest = atLeastOne ? [fn('greatest', ...lengths, lit(1, 'int'))] : lengths.length === 1 ? [] : [fn('greatest', ...lengths)];
  let plan: Plan = { op: 'map', input, exprs: [...lengths, ...longest] };
  let width = arity + lengths.length + longest.length;
  const lengthCol = (i: number): Expr => ({ op: 'col', index: arity + i });
  const total: Expr = { op: 'col', index: width - 1 };
  for (const f of fns) {
    for (const check of f.checks) {
      plan = { op: 'flat_map', input: plan, func: 'generate_series', exprs: check };
      width += 1;
    }
  }
  plan = { op: 'flat_map', input: plan, func: 'generate_series', exprs: [lit(1, 'int'), total] };
  const ord: Expr = { op: 'col', index: width };
  width += 1;
  const out: Expr[] = [];
  fns.forEach((f, i) => {
    for (const v of f.values(ord)) out.push({ op: 'case', whens: [{ when: fn('<=', ord, lengthCol(i)), then: v }], else: lit(null, 'int') });
  });
  const columns: Column[] = fns.flatMap((f) => f.columns.map((c) => ({ ...c, nullable: true })));
  // A case's NULL carries its branch's type.
  out.forEach((e, j) => {
    if (e.op === 'case') (e as { else: Expr }).else = lit(null, columns[j]!.type);
  });
  if (rf.ordinality) {
    out.push(ord);
    columns.push({ name: 'ordinality', type: 'bigint', nullable: false }); // Postgres' ordinality is bigint
  }
  plan = { op: 'map', input: plan, exprs: out };
  plan = project(plan, width + out.length, [...range(0, arity), ...range(width, width + out.length)]);
  // Column names: the alias' column list, else each function's own (one function: the alias).
  const names = (rf.alias?.colnames ?? []).map((n) => stringOf(n) ?? '');
  if (names.length > columns.length) {
    throw ctx.error(MoreSqlState.InvalidColumnReference, `table "${rf.alias?.aliasname}" has ${columns.length} columns available but ${names.length} columns specified`);
  }
  // One function of one column: the column is named after the alias, as in Postgres.
  const single = fns.length === 1 && fns[0]!.columns.length === 1 && !fns[0]!.outNames && rf.alias?.aliasname !== undefined;
  const named = columns.map((c, i) => (i < names.length ? { ...c, name: names[i]! } : i === 0 && single ? { ...c, name: rf.alias!.aliasname! } : c));
  const fnName = fns.length === 1 ? fns[0]!.columns.length === 1 ? columns[0]!.name : undefined : undefined;
  return { plan, columns: named, alias: rf.alias?.aliasname ?? fnName };
}
