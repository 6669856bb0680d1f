/**
 * Scalar expressions: from libpg-query's expression nodes to typed plan IR (typed.ts' PExpr),
 * resolving column names in a Scope, type-checking operators (typed.ts' rules), expanding
 * syntax sugar (BETWEEN, IN lists, simple CASE, IS DISTINCT FROM, IS TRUE ...) into the IR's
 * functions, and collecting aggregate calls where they are allowed. Subqueries in expressions go
 * to subquery.ts, array constructs (ARRAY[...], a[i], ANY / ALL, array functions) to arrays.ts;
 * parameters are refused with 0A000. It plans no relational operator.
 */
import type { A_Const, A_Expr, FuncCall, Node } from 'libpg-query';
import { FIELD_SEPARATOR } from './select-srf.js';
import type { Aggregate, AggregateFunction, Expr, ScalarFunction } from '../../../protocol/compute/plan.js';
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { ColumnType } from '../../../protocol/types.js';
import type { AggregateCollector } from './aggregate.js';
import { planWindowCall, type WindowCollector } from './window.js';
import { castTo, columnTypeOf, fitTypmod, intervalRangeOf, typmodOf } from './casts.js';
import { datetimeBinary, planSqlValueFunction } from './datetime.js';
import { planRegCast, regTypeOf } from './pg-casts.js';
import { locationOf, nodeKind, stringOf, type PlanContext } from './context.js';
import { exprKey, toExpr } from './exprs.js';
import { planFunction } from './functions.js';
import { asJsonb, jsonbBinary } from './jsonb.js';
import { typedCall } from './typed-call.js';
import { integerConstantType, numericConstant, typeLabel } from './literals.js';
import { isIntegerType } from '../../../protocol/int-range.js';
import { elementTypeOf } from '../../../protocol/array.js';
import type { Scope } from './scope.js';
import { planSubLink, type SubqueryCollector } from './subquery.js';
import { arrayTypeOrFail, planArrayConstructor, planArrayFunction, planQuantified, planSubscript } from './arrays.js';
import { checkClockFunction, checkClockValue, mzNowRefused } from './temporal.js';
import { call, coerce, isNumeric, lit, settle, unify, type PExpr, type Typed } from './typed.js';

export interface ExprEnv {
  ctx: PlanContext;
  scope: Scope;
  /** Where aggregates are allowed, where they go; absent where they are not. */
  aggregates?: AggregateCollector;
  /** The clause being planned, for messages ("WHERE", "JOIN conditions", ...). */
  clause: string;
  /** Inside an aggregate's argument (aggregates cannot nest). */
  inAggregate?: boolean;
  /** Where window functions are allowed (the select list, ORDER BY), where they go. */
  windows?: WindowCollector;
  /** Where subqueries are allowed (WHERE, HAVING, the select list, ORDER BY), where they go. */
  subqueries?: SubqueryCollector;
}

const AGGREGATES = new Set(['count', 'sum', 'min', 'max', 'avg', 'bool_and', 'bool_or', 'every', 'string_agg', 'array_agg', 'jsonb_agg', 'jsonb_object_agg', 'variance', 'var_samp', 'var_pop', 'stddev', 'stddev_samp', 'stddev_pop']);
/** SQL names of the variance family and the plan's aggregate for each. */
const VARIANCE: Record<string, AggregateFunction> = { variance: 'var_samp', var_samp: 'var_samp', var_pop: 'var_pop', stddev: 'stddev_samp', stddev_samp: 'stddev_samp', stddev_pop: 'stddev_pop' };

/** Plans an expression. */
export function planExpr(node: Node, env: ExprEnv): Typed {
  const { ctx } = env;
  const location = locationOf(node);
  if ('ColumnRef' in node) {
    const fields = (node.ColumnRef.fields ?? []).map((f) => ('A_Star' in f ? '*' : (stringOf(f) ?? '')));
    if (fields.includes('*')) throw ctx.error(SqlState.FeatureNotSupported, `"${fields.join('.')}" is not allowed in ${env.clause}`, location);
    const col = env.scope.resolve(fields, ctx, location);
    return { expr: { op: 'col', index: col.index }, type: col.type, nullable: col.nullable, name: col.name };
  }
  if ('A_Const' in node) return constant(node.A_Const, ctx, location);
  if ('TypeCast' in node) {
    const inner = planExpr(node.TypeCast.arg!, env);
    const typeName = node.TypeCast.typeName;
    const reg = regTypeOf((typeName?.names ?? []).map((n) => stringOf(n) ?? ''));
    if (reg && !typeName?.arrayBounds?.length) return planRegCast(inner, reg, ctx, location);
    const target = columnTypeOf(typeName, ctx);
    if (target === 'interval') return castTo(inner, target, ctx, location, intervalRangeOf(typeName));
    return fitTypmod(castTo(inner, target, ctx, location), typmodOf(typeName, ctx));
  }
  if ('A_Expr' in node) return aExpr(node.A_Expr, env, location);
  if ('BoolExpr' in node) {
    const b = node.BoolExpr;
    const op = b.boolop === 'AND_EXPR' ? 'AND' : b.boolop === 'OR_EXPR' ? 'OR' : 'NOT';
    const args = (b.args ?? []).map((a) => planBool(a, env, `argument of ${op}`));
    if (op === 'NOT') return typedCall('not', args, 'bool', '?column?');
    return typedCall(op === 'AND' ? 'and' : 'or', args, 'bool', '?column?');
  }
  if ('NullTest' in node) {
    const arg = settle(planExpr(node.NullTest.arg!, env), ctx, location);
    return typedCall(node.NullTest.nulltesttype === 'IS_NOT_NULL' ? 'is_not_null' : 'is_null', [arg], 'bool', '?column?', false);
  }
  if ('BooleanTest' in node) return booleanTest(planBool(node.BooleanTest.arg!, env, 'argument of IS TRUE'), node.BooleanTest.booltesttype ?? 'IS_TRUE');
  if ('CaseExpr' in node) return caseExpr(node.CaseExpr, env, location);
  if ('CoalesceExpr' in node) {
    const { type, items } = unify((node.CoalesceExpr.args ?? []).map((a) => planExpr(a, env)), 'COALESCE', ctx, location);
    return typedCall('coalesce', items, type, 'coalesce', items.every((i) => i.nullable));
  }
  if ('MinMaxExpr' in node) {
    const name = node.MinMaxExpr.op === 'IS_LEAST' ? 'least' : 'greatest';
    return planFunction(name, (node.MinMaxExpr.args ?? []).map((a) => planExpr(a, env)), ctx, location);
  }
  if ('FuncCall' in node) return funcCall(node.FuncCall, env, location);
  if ('SubLink' in node) return planSubLink(node.SubLink, env);
  if ('ParamRef' in node) throw ctx.unsupported('a parameter ($n)', location);
  if ('SQLValueFunction' in node) checkClockValue(node.SQLValueFunction, ctx, location);
  if ('SQLValueFunction' in node) return planSqlValueFunction(node.SQLValueFunction, ctx, location);
  if ('A_ArrayExpr' in node) return planArrayConstructor(node.A_ArrayExpr, (node.A_ArrayExpr.elements ?? []).map((e) => planExpr(e, env)), ctx, location);
  if ('A_Indirection' in node) {
    const ind = node.A_Indirection;
    const field = ind.indirection?.length === 1 ? stringOf(ind.indirection[0]) : undefined;
    if (field !== undefined && ind.arg && 'ColumnRef' in ind.arg) {
      // (sub.keys).x: a field of a composite column, carried as its hidden column (select-srf.ts).
      const fields = (ind.arg.ColumnRef.fields ?? []).map((f) => stringOf(f) ?? '');
      const composite = [...fields.slice(0, -1), `${fields[fields.length - 1]}${FIELD_SEPARATOR}${field}`];
      try {
        return { ...planExpr({ ColumnRef: { fields: composite.map((sval) => ({ String: { sval } })), location: location ?? -1 } }, env), name: field };
      } catch (e) {
        if (!(e instanceof SqlError) || (e.sqlstate !== SqlState.UndefinedColumn && e.sqlstate !== SqlState.UndefinedTable)) throw e;
        throw ctx.unsupported('a field selection', location, 'definite has no composite types; fields of information_schema._pg_expandarray(...) can be selected');
      }
    }
    const subscripts = (ind.indirection ?? []).map((i): Typed | 'slice' => {
      if (!('A_Indices' in i)) throw ctx.unsupported('a field selection', location);
      return i.A_Indices.is_slice || !i.A_Indices.uidx ? 'slice' : planExpr(i.A_Indices.uidx, env);
    });
    return planSubscript(planExpr(ind.arg!, env), subscripts, ctx, location);
  }
  if ('ArrayExpr' in node) throw ctx.unsupported('an array', location);
  if ('RowExpr' in node) throw ctx.unsupported('a row constructor', location);
  if ('CollateClause' in node) {
    // The default collation (the only one definite has: code-unit order) changes nothing.
    const coll = (node.CollateClause.collname ?? []).map((n) => stringOf(n) ?? '');
    if (coll[coll.length - 1] === 'default' && (coll.length === 1 || coll[0] === 'pg_catalog')) return planExpr(node.CollateClause.arg!, env);
    throw ctx.unsupported(`COLLATE ${coll.join('.')}`, location, 'definite has one collation, default');
  }
  throw ctx.unsupported(`the expression ${nodeKind(node)}`, location);
}

/** Plans a condition: it must be boolean (42804 names `what`). */
export function planBool(node: Node, env: ExprEnv, what: string): Typed {
  const t = planExpr(node, env);
  if (t.type !== null && t.type !== 'bool') {
    throw env.ctx.error(SqlState.DatatypeMismatch, `${what} must be type boolean, not type ${t.type}`, locationOf(node));
  }
  return coerce(t, 'bool', env.ctx, locationOf(node));
}

function constant(c: A_Const, ctx: PlanContext, location: number | undefined): Typed {
  if (c.isnull) return { expr: lit(null, 'text'), type: null, nullable: true, name: '?column?' };
  if (c.ival !== undefined) return { expr: lit(c.ival.ival ?? 0, 'int'), type: 'int', nullable: false, name: '?column?' };
  if (c.fval !== undefined) {
    const { value, type } = numericConstant(c.fval.fval ?? '0', ctx, location);
    return { expr: lit(value, type), type, nullable: false, name: '?column?' };
  }
  if (c.boolval !== undefined) return { expr: lit(c.boolval.boolval ?? false, 'bool'), type: 'bool', nullable: false, name: 'bool' };
  if (c.sval !== undefined) {
    const text = c.sval.sval ?? '';
    return { expr: lit(text, 'text'), type: null, nullable: false, unknownText: text, name: '?column?' };
  }
  return { expr: lit(null, 'text'), type: null, nullable: true, name: '?column?' };
}

/** Whether `node` is a numeric constant (not a cast or an expression). */
function isConstant(node: Node): boolean {
  return 'A_Const' in node && (node.A_Const.ival !== undefined || node.A_Const.fval !== undefined);
}

/** An integer-typed result wrapped in its type's range check (folded when it is a literal). */
export function checked(t: Typed): Typed {
  if (!isIntegerType(t.type)) return t;
  return typedCall(`check_${t.type}`, [t], t.type, t.name, t.nullable);
}

/** A numeric sum (the exact decimal, or its text when definite cannot hold it) checked. */
function checkedNumeric(t: Typed): Typed {
  return typedCall('check_numeric', [t], 'numeric', t.name, t.nullable);
}

/** Arithmetic on numeric operands: exact decimal functions (protocol/numeric.ts). */
const NUMERIC_ARITHMETIC: Record<string, ScalarFunction> = { '+': 'add_numeric', '-': 'sub_numeric', '*': 'mul_numeric', '/': 'div_numeric', '%': 'mod_numeric' };

function operatorName(e: A_Expr): string {
  const names = (e.name ?? []).map((n) => stringOf(n) ?? '');
  return names[names.length - 1] ?? '';
}

const ARITHMETIC: Record<string, ScalarFunction> = { '+': '+', '-': '-', '*': '*', '/': '/', '%': '%' };
/** Integer arithmetic: exact over int8 (protocol/int-range.ts), range-checked by `checked`. */
const INT_ARITHMETIC: Record<string, ScalarFunction> = { '+': 'add_int', '-': 'sub_int', '*': 'mul_int', '/': 'div_int', '%': 'mod_int' };
/** Postgres' regular-expression match operators (OPERATOR(pg_catalog.~) is `~`). */
const REGEX: Record<string, { fn: ScalarFunction; negated: boolean }> = {
  '~': { fn: 'regex_match', negated: false }, '~*': { fn: 'regex_imatch', negated: false },
  '!~': { fn: 'regex_match', negated: true }, '!~*': { fn: 'regex_imatch', negated: true },
};
/** Postgres' bit operators on int2 / int4 / int8 (`#` is xor; shifts take an int4 count). */
const BITWISE: Record<string, ScalarFunction> = { '&': 'bit_and', '|': 'bit_or', '#': 'bit_xor', '<<': 'shift_left', '>>': 'shift_right' };
const BITS: Record<string, number> = { smallint: 16, int: 32, bigint: 64 };

function bitwise(op: string, left: Typed, right: Typed, env: ExprEnv, location: number | undefined): Typed {
  const { ctx } = env;
  const undefinedOp = (): never => {
    throw ctx.error(SqlState.UndefinedFunction, `operator does not exist: ${typeLabelOf(left)} ${op} ${typeLabelOf(right)}`, location, 'No operator matches the given name and argument types. You might need to add explicit type casts.');
  };
  const intOf = (t: Typed, other: Typed): Typed => (t.type === null ? coerce(t, isIntegerType(other.type) ? other.type : 'int', ctx, location) : t);
  const l = intOf(left, right);
  const r = intOf(right, left);
  if (!isIntegerType(l.type) || !isIntegerType(r.type)) return undefinedOp();
  if (op === '<<' || op === '>>') {
    const count = coerce(r.type === 'bigint' ? undefinedOp() : r, 'int', ctx, location);
    return typedCall(BITWISE[op]!, [l, count, { expr: lit(BITS[l.type!]!, 'int'), type: 'int', nullable: false, name: '?column?' }], l.type!, '?column?', l.nullable || count.nullable);
  }
  const { type, items } = unify([l, r], `operator ${op}`, ctx, location);
  return typedCall(BITWISE[op]!, items, type, '?column?');
}
const typeLabelOf = (t: Typed): string => (t.type === null ? 'unknown' : typeLabel(t.type));

const COMPARISON: Record<string, ScalarFunction> = { '=': '=', '<>': '<>', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

function aExpr(e: A_Expr, env: ExprEnv, location: number | undefined): Typed {
  const { ctx } = env;
  const op = operatorName(e);
  switch (e.kind) {
    case 'AEXPR_OP': {
      if (!e.lexpr) {
        const arg = planExpr(e.rexpr!, env);
        if (op === '-' && arg.type === 'interval') return typedCall('interval_neg', [arg], 'interval', '?column?');
        if (op === '~') {
          const n = arg.type === null ? coerce(arg, 'int', ctx, location) : arg;
          if (!isIntegerType(n.type)) throw ctx.error(SqlState.UndefinedFunction, `operator does not exist: ~ ${arg.type}`, location, 'No operator matches the given name and argument type. You might need to add an explicit type cast.');
          return typedCall('bit_not', [n], n.type!, '?column?');
        }
        if (op === '+' || op === '-') {
          const n = numberOperand(arg, op, env, location);
          if (op === '+') return n;
          if (n.expr.op === 'lit' && typeof n.expr.value === 'number' && isConstant(e.rexpr!)) {
            // A negated constant is one constant, as in Postgres: -2147483648 is an int.
            const type = isIntegerType(n.type) ? integerConstantType(-n.expr.value) : n.type!;
            return { ...n, type, expr: lit(-n.expr.value + 0, type) };
          }
          return checked(typedCall(n.type === 'float' || n.type === 'real' ? 'neg_float' : 'neg', [n], n.type!, '?column?'));
        }
        throw ctx.error(SqlState.UndefinedFunction, `operator does not exist: ${op} ${arg.type ?? 'unknown'}`, location);
      }
      return binary(op, planExpr(e.lexpr, env), planExpr(e.rexpr!, env), env, location);
    }
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE': {
      const fn = e.kind === 'AEXPR_LIKE' ? 'like' : 'ilike';
      const negated = op.startsWith('!');
      const pattern = likePattern(e.rexpr!, env);
      const subject = textOperand(planExpr(e.lexpr!, env), fn.toUpperCase(), env, location);
      const t = typedCall(fn, [subject, pattern], 'bool', '?column?');
      return negated ? typedCall('not', [t], 'bool', '?column?') : t;
    }
    case 'AEXPR_IN': {
      const items = 'List' in e.rexpr! ? (e.rexpr.List.items ?? []) : [];
      const { items: typed } = unify([planExpr(e.lexpr!, env), ...items.map((i) => planExpr(i, env))], 'IN', ctx, location);
      const [left, ...rest] = typed;
      const eqs = rest.map((r) => planComparison('=', left!, r, env, location));
      const any = eqs.length === 1 ? eqs[0]! : typedCall('or', eqs, 'bool', '?column?');
      return op === '<>' ? typedCall('not', [any], 'bool', '?column?') : any;
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN': {
      const bounds = 'List' in e.rexpr! ? (e.rexpr.List.items ?? []) : [];
      const { items } = unify([planExpr(e.lexpr!, env), ...bounds.map((b) => planExpr(b, env))], 'BETWEEN', ctx, location);
      const [x, lo, hi] = items as [Typed, Typed, Typed];
      if (e.kind === 'AEXPR_BETWEEN') return typedCall('and', [planComparison('>=', x, lo, env, location), planComparison('<=', x, hi, env, location)], 'bool', '?column?');
      return typedCall('or', [planComparison('<', x, lo, env, location), planComparison('>', x, hi, env, location)], 'bool', '?column?');
    }
    case 'AEXPR_NULLIF': {
      const { type, items } = unify([planExpr(e.lexpr!, env), planExpr(e.rexpr!, env)], 'NULLIF', ctx, location);
      planComparison('=', items[0]!, items[1]!, env, location); // type-checks the comparison
      return typedCall('nullif', items, type, 'nullif', true);
    }
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT': {
      const { items } = unify([planExpr(e.lexpr!, env), planExpr(e.rexpr!, env)], 'IS DISTINCT FROM', ctx, location);
      const [a, b] = items as [Typed, Typed];
      const distinct = e.kind === 'AEXPR_DISTINCT';
      const differ = planComparison(distinct ? '<>' : '=', a, b, env, location);
      const expr: PExpr = {
        op: 'case',
        whens: [
          { when: call('is_null', a.expr), then: call(distinct ? 'is_not_null' : 'is_null', b.expr) },
          { when: call('is_null', b.expr), then: lit(distinct, 'bool') },
        ],
        else: differ.expr,
      };
      return { expr, type: 'bool', nullable: false, name: '?column?' };
    }
    case 'AEXPR_BETWEEN_SYM':
    case 'AEXPR_NOT_BETWEEN_SYM':
      throw ctx.unsupported('BETWEEN SYMMETRIC', location);
    case 'AEXPR_SIMILAR':
      throw ctx.unsupported('SIMILAR TO', location, 'use LIKE');
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL':
      return planQuantified(op, e.kind === 'AEXPR_OP_ALL', planExpr(e.lexpr!, env), planExpr(e.rexpr!, env), ctx, location);
    default:
      throw ctx.unsupported(`the operator ${op}`, location);
  }
}

/** `x LIKE pattern [ESCAPE e]`: only the default escape (backslash) is supported. */
function likePattern(node: Node, env: ExprEnv): Typed {
  if ('FuncCall' in node) {
    const name = (node.FuncCall.funcname ?? []).map((n) => stringOf(n)).pop();
    if (name === 'like_escape') {
      const [pattern, escape] = node.FuncCall.args ?? [];
      const esc = planExpr(escape!, env);
      if (esc.unknownText !== '\\') throw env.ctx.unsupported('an ESCAPE character other than backslash', locationOf(escape));
      return textOperand(planExpr(pattern!, env), 'LIKE', env, locationOf(pattern));
    }
  }
  return textOperand(planExpr(node, env), 'LIKE', env, locationOf(node));
}

function textOperand(t: Typed, op: string, env: ExprEnv, location: number | undefined): Typed {
  if (t.type !== null && t.type !== 'text') {
    throw env.ctx.error(SqlState.DatatypeMismatch, `operator ${op} takes text, not ${t.type}`, location, `cast it, e.g. CAST(... AS text)`);
  }
  return coerce(t, 'text', env.ctx, location);
}

function numberOperand(t: Typed, op: string, env: ExprEnv, location: number | undefined): Typed {
  if (t.type === null) {
    const numeric = t.unknownText !== undefined && !/^\s*[+-]?[0-9]+\s*$/.test(t.unknownText);
    return coerce(t, numeric ? 'numeric' : 'int', env.ctx, location);
  }
  if (!isNumeric(t.type)) {
    throw env.ctx.error(SqlState.DatatypeMismatch, `operator ${op} takes numbers, not ${t.type}`, location);
  }
  return t;
}

function binary(op: string, left: Typed, right: Typed, env: ExprEnv, location: number | undefined): Typed {
  const { ctx } = env;
  if (COMPARISON[op]) return planComparison(op, left, right, env, location);
  const datetime = datetimeBinary(op, left, right, ctx, location);
  if (datetime) return datetime;
  const jsonb = jsonbBinary(op, left, right, ctx, location);
  if (jsonb) return jsonb;
  if (ARITHMETIC[op]) {
    // An unknown literal takes the other side's type.
    if (left.type === null && isNumeric(right.type)) left = coerce(left, right.type, ctx, location);
    if (right.type === null && isNumeric(left.type)) right = coerce(right, left.type, ctx, location);
    if ((left.type !== null && !isNumeric(left.type)) || (right.type !== null && !isNumeric(right.type))) {
      throw ctx.error(
        SqlState.DatatypeMismatch,
        `operator ${op} cannot be applied to ${left.type ?? 'unknown'} and ${right.type ?? 'unknown'}`,
        location,
        left.type === 'text' || right.type === 'text' ? 'cast the text to a number, e.g. CAST(x AS int), or use || to concatenate' : 'cast the operands to a common numeric type',
      );
    }
    const l = numberOperand(left, op, env, location);
    const r = numberOperand(right, op, env, location);
    const { type, items } = unify([l, r], `operator ${op}`, ctx, location);
    if (op === '%' && (type === 'float' || type === 'real')) throw ctx.error(SqlState.UndefinedFunction, 'operator does not exist: double precision % double precision', location, 'cast the operands to numeric');
    const fn = isIntegerType(type) ? INT_ARITHMETIC[op]! : type === 'numeric' ? NUMERIC_ARITHMETIC[op]! : ARITHMETIC[op]!;
    const result = checked(typedCall(fn, items, type, '?column?'));
    // float4 arithmetic: the double result rounded to single precision (exact for + - * /), 22003 on overflow.
    return type === 'real' ? typedCall('to_real', [result], 'real', '?column?') : result;
  }
  if (BITWISE[op]) return bitwise(op, left, right, env, location);
  // Postgres' exponentiation operator: power(), float8 unless an operand is numeric.
  if (op === '^') return planFunction('power', [left, right], ctx, location);
  if (REGEX[op]) {
    const { fn, negated } = REGEX[op]!;
    const t = typedCall(fn, [textOperand(left, op, env, location), textOperand(right, op, env, location)], 'bool', '?column?');
    return negated ? typedCall('not', [t], 'bool', '?column?') : t;
  }
  if (op === '||' && (elementTypeOf(left.type) || elementTypeOf(right.type))) {
    // Postgres' anyarray || anyarray (an unknown literal is read as an array), anyarray ||
    // anyelement and anyelement || anyarray.
    const fn = elementTypeOf(left.type) && elementTypeOf(right.type) ? 'array_cat' : elementTypeOf(left.type) ? (right.type === null ? 'array_cat' : 'array_append') : left.type === null ? 'array_cat' : 'array_prepend';
    const planned = planArrayFunction(fn, [left, right], ctx, location)!;
    return { ...planned, name: '?column?' };
  }
  if (op === '||') {
    const asText = (t: Typed) => (t.type === null ? coerce(t, 'text', ctx, location) : t.type === 'text' ? t : castTo(t, 'text', ctx, location));
    if (left.type !== null && left.type !== 'text' && right.type !== null && right.type !== 'text') {
      throw ctx.error(SqlState.DatatypeMismatch, `operator || cannot be applied to ${left.type} and ${right.type}`, location, 'cast one side to text');
    }
    const l = asText(left);
    const r = asText(right);
    return { ...typedCall('||', [{ ...l, name: '?column?' }, r], 'text', '?column?'), name: '?column?' };
  }
  throw ctx.error(SqlState.UndefinedFunction, `operator does not exist: ${left.type ?? 'unknown'} ${op} ${right.type ?? 'unknown'}`, location);
}

/** `left op right` for a comparison operator: both sides must have a common type (42804 if not). */
export function planComparison(op: string, left: Typed, right: Typed, env: ExprEnv, location: number | undefined): Typed {
  const fn = COMPARISON[op]!;
  let items: Typed[];
  try {
    items = unify([left, right], 'comparison', env.ctx, location).items;
  } catch (e) {
    if (left.type !== null && right.type !== null) {
      throw env.ctx.error(
        SqlState.DatatypeMismatch,
        `cannot compare ${left.type} with ${right.type} (operator ${op})`,
        location,
        'cast one side so both have the same type, e.g. CAST(x AS text)',
      );
    }
    throw e;
  }
  // Intervals compare by their span (protocol/datetime.ts): '1 mon' = '30 days', as in Postgres.
  if (items[0]!.type === 'interval') items = items.map((i) => typedCall('interval_key', [i], 'text', i.name, i.nullable));
  return typedCall(fn, items, 'bool', '?column?');
}

function booleanTest(arg: Typed, test: string): Typed {
  const t = (expr: PExpr): Typed => ({ expr, type: 'bool', nullable: false, name: '?column?' });
  const coalesce = (value: boolean) => call('coalesce', arg.expr, lit(value, 'bool'));
  switch (test) {
    case 'IS_TRUE':
      return t(coalesce(false));
    case 'IS_NOT_TRUE':
      return t(call('not', coalesce(false)));
    case 'IS_FALSE':
      return t(call('not', coalesce(true)));
    case 'IS_NOT_FALSE':
      return t(coalesce(true));
    case 'IS_UNKNOWN':
      return t(call('is_null', arg.expr));
    default:
      return t(call('is_not_null', arg.expr));
  }
}

function caseExpr(c: NonNullable<Extract<Node, { CaseExpr: unknown }>['CaseExpr']>, env: ExprEnv, location: number | undefined): Typed {
  const { ctx } = env;
  const subject = c.arg ? planExpr(c.arg, env) : undefined;
  const whens = (c.args ?? []).map((w) => {
    const cw = 'CaseWhen' in w ? w.CaseWhen : {};
    const when = subject ? planComparison('=', subject, planExpr(cw.expr!, env), env, locationOf(cw.expr)) : planBool(cw.expr!, env, 'argument of CASE/WHEN');
    return { when, then: planExpr(cw.result!, env) };
  });
  const otherwise = c.defresult ? planExpr(c.defresult, env) : undefined;
  const results = [...whens.map((w) => w.then), ...(otherwise ? [otherwise] : [])];
  const { type, items } = unify(results, 'CASE', ctx, location);
  const elseExpr = otherwise ? items[items.length - 1]! : { expr: lit(null, type), type, nullable: true, name: 'case' };
  const expr: PExpr = { op: 'case', whens: whens.map((w, i) => ({ when: w.when.expr, then: items[i]!.expr })), else: elseExpr.expr };
  return { expr, type, nullable: items.some((i) => i.nullable) || !otherwise, name: 'case' };
}

function funcCall(f: FuncCall, env: ExprEnv, location: number | undefined): Typed {
  const { ctx } = env;
  const names = (f.funcname ?? []).map((n) => stringOf(n) ?? '');
  const name = names[names.length - 1]!;
  if (names.length > 1 && names[0] !== 'pg_catalog' && !(names[0] === 'mz_catalog' && name === 'mz_now')) throw ctx.error(SqlState.UndefinedFunction, `function ${names.join('.')} does not exist`, location);
  if (name === 'mz_now' && (names.length === 1 || names[0] === 'mz_catalog')) throw mzNowRefused(ctx, env.clause, location);
  checkClockFunction(name, ctx, location);
  if (f.over) {
    if (!env.windows) throw ctx.error('42P20', `window functions are not allowed in ${env.clause}`, location);
    return planWindowCall(name, f, env, location);
  }
  if (AGGREGATES.has(name)) return aggregate(name, f, env, location);
  if (f.agg_star || f.agg_distinct || f.agg_filter) {
    throw ctx.error(SqlState.WrongObjectType, `${f.agg_star ? '*' : f.agg_distinct ? 'DISTINCT' : 'FILTER'} specified, but ${name} is not an aggregate function`, location);
  }
  const args = (f.args ?? []).map((a) => planExpr(a, env));
  return planArrayFunction(name, args, ctx, location) ?? planFunction(name, args, ctx, location);
}

function aggregate(name: string, f: FuncCall, env: ExprEnv, location: number | undefined): Typed {
  const { ctx } = env;
  if (!env.aggregates) {
    const message = env.inAggregate ? 'aggregate function calls cannot be nested' : `aggregate functions are not allowed in ${env.clause}`;
    throw ctx.error(SqlState.GroupingError, message, location);
  }
  const collector = env.aggregates;
  if (f.agg_within_group) throw ctx.unsupported('WITHIN GROUP', location);
  const argEnv: ExprEnv = { ctx, scope: env.scope, clause: 'aggregate function calls', inAggregate: true };
  // FILTER (WHERE p): the aggregate sees its argument only where p is true, i.e. it aggregates
  // CASE WHEN p THEN arg END, which is NULL elsewhere and every aggregate ignores NULLs
  // (count(*) FILTER counts CASE WHEN p THEN true END).
  const filter = f.agg_filter ? coerce(planExpr(f.agg_filter, argEnv), 'bool', ctx, location, 'FILTER') : undefined;
  const filtered = (arg: Typed): Typed =>
    filter ? { ...arg, expr: { op: 'case', whens: [{ when: filter.expr, then: arg.expr }], else: lit(null, arg.type ?? 'text') }, nullable: true } : arg;
  const result = (fn: AggregateFunction, arg: Typed | undefined, type: ColumnType, extra: Partial<Aggregate> = {}): Typed => {
    const input = arg && filtered(arg);
    const expr: Expr = input ? toExpr(input.expr) : { op: 'lit', value: true, type: 'bool' };
    const argNullable = input?.nullable ?? false;
    const index = collector.add(fn, expr, type, argNullable, extra);
    return { expr: { op: 'agg', index }, type, nullable: collector.nullable(fn, argNullable), name };
  };
  if (f.agg_star) {
    if (name !== 'count') throw ctx.error(SqlState.UndefinedFunction, `function ${name}(*) does not exist`, location);
    if (filter) return result('count', { expr: lit(true, 'bool'), type: 'bool', nullable: false, name }, 'bigint');
    return result('count_star', undefined, 'bigint');
  }
  const args = (f.args ?? []).map((a) => planExpr(a, argEnv));
  if (name === 'string_agg') return stringAgg(f, args, argEnv, result, location);
  if (name === 'array_agg') return arrayAgg(f, args, argEnv, result, location);
  if (name === 'jsonb_agg' || name === 'jsonb_object_agg') return jsonbAgg(name, f, args, argEnv, result, location);
  if (f.agg_order) throw ctx.unsupported(`ORDER BY inside ${name}(...)`, location, 'the order of rows does not change this aggregate');
  if (args.length !== 1) throw ctx.error(SqlState.UndefinedFunction, `function ${name}(${args.map((a) => a.type ?? 'unknown').join(', ')}) does not exist`, location);
  let arg = args[0]!;
  switch (name) {
    case 'bool_and':
    case 'bool_or':
    case 'every':
      if (f.agg_distinct) throw ctx.unsupported(`${name}(DISTINCT ...)`, location);
      arg = coerce(arg, 'bool', ctx, location, name);
      return result(name === 'every' ? 'bool_and' : (name as AggregateFunction), arg, 'bool');
    case 'variance':
    case 'var_samp':
    case 'var_pop':
    case 'stddev':
    case 'stddev_samp':
    case 'stddev_pop':
      if (f.agg_distinct) throw ctx.unsupported(`${name}(DISTINCT ...)`, location);
      if (arg.type === null || arg.type === 'real') arg = coerce(arg, 'float', ctx, location);
      if (arg.type !== 'float') {
        // Postgres gives numeric for integer and numeric arguments, with numeric's scale rules:
        // not built (a float would print other digits), so an error rather than another answer.
        if (isNumeric(arg.type)) throw ctx.unsupported(`${name}(${arg.type})`, location, `cast the argument to float8: ${name}(x::float8)`);
        throw ctx.error(SqlState.UndefinedFunction, `function ${name}(${arg.type}) does not exist`, location);
      }
      return result(VARIANCE[name]!, arg, 'float');
    case 'count':
      return result(f.agg_distinct ? 'count_distinct' : 'count', settle(arg, ctx, location), 'bigint');
    case 'min':
    case 'max':
      arg = settle(arg, ctx, location);
      // Postgres has no min / max of jsonb (no such aggregate), though jsonb is ordered.
      if (arg.type === 'jsonb') throw ctx.error(SqlState.UndefinedFunction, `function ${name}(jsonb) does not exist`, location, 'No function matches the given name and argument types.');
      return result(name, arg, arg.type!);
    case 'sum':
    case 'avg': {
      if (arg.type === null) arg = coerce(arg, arg.unknownText !== undefined ? 'numeric' : 'int', ctx, location);
      if (!isNumeric(arg.type)) throw ctx.error(SqlState.UndefinedFunction, `function ${name}(${arg.type}) does not exist`, location, `${name} takes a number`);
      // Postgres: avg of float is float, of integers and numeric numeric (exact decimals).
      const distinct = f.agg_distinct ? { distinct: true } : {};
      // float4: avg is float8 (exact on the same values); sum accumulates in single precision in Postgres, not built.
      if (arg.type === 'real' && name === 'avg') arg = coerce(arg, 'float', ctx, location);
      if (arg.type === 'real') throw ctx.unsupported('sum(real)', location, 'cast the argument to float8: sum(x::float8)');
      if (name === 'avg') return arg.type === 'float' ? result(name, arg, 'float', distinct) : result('avg_numeric', arg, 'numeric', distinct);
      // Postgres: sum of smallint / int is bigint (range-checked), sum of bigint or numeric numeric.
      if (arg.type === 'bigint' || arg.type === 'numeric') return checkedNumeric(result('sum_numeric', arg, 'numeric', distinct));
      // An integer sum accumulates exactly (DecimalSum): past 2^53 it is the exact int8 or 22003, never a rounded double.
      if (isIntegerType(arg.type)) return checked(result('sum_numeric', arg, 'bigint', distinct));
      return result(name, arg, arg.type!, distinct);
    }
    default:
      throw ctx.error(SqlState.UndefinedFunction, `function ${name} does not exist`, location);
  }
}

/**
 * array_agg(value [ORDER BY value [ASC | DESC]]): the values, NULLs included, in the order of
 * their value (ascending without ORDER BY: Postgres leaves that order unspecified, so it is one
 * of its answers); NULL for no rows.
 */
function arrayAgg(
  f: FuncCall,
  args: Typed[],
  env: ExprEnv,
  result: (fn: AggregateFunction, arg: Typed, type: ColumnType, extra: Partial<Aggregate>) => Typed,
  location: number | undefined,
): Typed {
  const { ctx } = env;
  if (args.length !== 1) throw ctx.error(SqlState.UndefinedFunction, `function array_agg(${args.map((a) => a.type ?? 'unknown').join(', ')}) does not exist`, location);
  if (f.agg_distinct) throw ctx.unsupported('array_agg(DISTINCT ...)', location);
  const value = settle(args[0]!, ctx, location);
  const type = arrayTypeOrFail(value.type, ctx, location);
  const desc = orderedByValue(f, value, env, 'array_agg', 'array_agg(x ORDER BY x [DESC]) is supported', location);
  return { ...result('array_agg', value, type, desc ? { desc } : {}), nullable: true };
}

/**
 * jsonb_agg(value [ORDER BY value [ASC | DESC]]): array_agg of to_jsonb(value) (NULLs as JSON
 * null), as one JSON array; jsonb_object_agg(key, value): array_agg of `[key text, value]` pairs
 * folded into one object (a NULL key is 22023, as in Postgres; of equal keys the last in
 * array_agg's order is kept, where Postgres keeps the last in its unspecified input order).
 * Both NULL for no rows, and incremental as array_agg is.
 */
function jsonbAgg(
  name: 'jsonb_agg' | 'jsonb_object_agg',
  f: FuncCall,
  args: Typed[],
  env: ExprEnv,
  result: (fn: AggregateFunction, arg: Typed, type: ColumnType, extra: Partial<Aggregate>) => Typed,
  location: number | undefined,
): Typed {
  const { ctx } = env;
  const want = name === 'jsonb_agg' ? 1 : 2;
  if (args.length !== want) throw ctx.error(SqlState.UndefinedFunction, `function ${name}(${args.map((a) => a.type ?? 'unknown').join(', ')}) does not exist`, location);
  if (f.agg_distinct) throw ctx.unsupported(`${name}(DISTINCT ...)`, location);
  if (name === 'jsonb_agg') {
    const value = settle(args[0]!, ctx, location);
    const desc = orderedByValue(f, value, env, name, 'jsonb_agg(x ORDER BY x [DESC]) is supported', location);
    const agg = result('array_agg', asJsonb(value, ctx, location), 'text[]', desc ? { desc } : {});
    return { expr: call('jsonb_of_array', agg.expr), type: 'jsonb', nullable: true, name };
  }
  if (f.agg_order) throw ctx.unsupported(`ORDER BY inside ${name}(...)`, location);
  const pair = planFunction('jsonb_build_array', [args[0]!.type === null ? settle(args[0]!, ctx, location) : args[0]!.type === 'text' ? args[0]! : castTo(args[0]!, 'text', ctx, location), args[1]!], ctx, location);
  const agg = result('array_agg', pair, 'text[]', {});
  return { expr: call('jsonb_object_of_pairs', agg.expr), type: 'jsonb', nullable: true, name };
}

/**
 * An ordered aggregate's ORDER BY, which may only be by the aggregated value itself (ASC or DESC,
 * default NULLs placement): true when descending; anything else is 0A000 with `hint`.
 */
function orderedByValue(f: FuncCall, value: Typed, env: ExprEnv, name: string, hint: string, location: number | undefined): boolean {
  let desc = false;
  for (const item of f.agg_order ?? []) {
    const by = 'SortBy' in item ? item.SortBy : undefined;
    const expr = by?.node ? planExpr(by.node, env) : undefined;
    if (!expr || exprKey(toExpr(expr.expr)) !== exprKey(toExpr(value.expr)) || (by?.sortby_nulls && by.sortby_nulls !== 'SORTBY_NULLS_DEFAULT')) {
      throw env.ctx.unsupported(`${name} ordered by anything but its value`, location, hint);
    }
    desc = by?.sortby_dir === 'SORTBY_DESC';
  }
  return desc;
}

/**
 * string_agg(value text, separator text [ORDER BY value [ASC | DESC]]): the separator must be a
 * constant (Postgres allows one per row; not built), and the only order is by the value itself
 * (ascending without ORDER BY: Postgres leaves that order unspecified, so it is one of its answers).
 */
function stringAgg(
  f: FuncCall,
  args: Typed[],
  env: ExprEnv,
  result: (fn: AggregateFunction, arg: Typed, type: ColumnType, extra: Partial<Aggregate>) => Typed,
  location: number | undefined,
): Typed {
  const { ctx } = env;
  if (args.length !== 2) throw ctx.error(SqlState.UndefinedFunction, `function string_agg(${args.map((a) => a.type ?? 'unknown').join(', ')}) does not exist`, location, 'string_agg takes a value and a separator');
  if (f.agg_distinct) throw ctx.unsupported('string_agg(DISTINCT ...)', location);
  const value = coerce(args[0]!, 'text', ctx, location, 'string_agg');
  const sep = coerce(args[1]!, 'text', ctx, location, 'string_agg');
  if (sep.expr.op !== 'lit') throw ctx.unsupported('a string_agg separator that is not a constant', location);
  const separator = sep.expr.value === null ? '' : String(sep.expr.value);
  const desc = orderedByValue(f, value, env, 'string_agg', 'string_agg(x, sep ORDER BY x [DESC]) is supported', location);
  return result('string_agg', value, 'text', { separator, ...(desc ? { desc } : {}) });
}
