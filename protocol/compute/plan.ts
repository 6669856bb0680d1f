/**
 * The plan IR: what a dataflow computes, as a tree of relational operators over named inputs with
 * scalar expressions inside. CONTROL's planner produces it from SQL; COMPUTE's engine maintains it
 * incrementally. It travels inside `CreateDataflow.dataflow.plan` as plain msgpack maps.
 *
 * Relations are multisets of rows (arrays of values); every operator is defined on multisets with
 * signed multiplicities, so that it can be maintained under insertions and retractions.
 *
 * Values and types (protocol/types.ts): SQL NULL is `null`; `smallint`, `int`, `bigint`,
 * `float` are JS numbers (integers are integral, within their type's range: int-range.ts);
 * `numeric` a number or a NUL-tagged decimal string with its display scale (protocol/numeric.ts:
 * compared, hashed and matched as keys by decimal value); `text` is a string; `bool` a boolean; `timestamp` is milliseconds
 * since the epoch (a number); `date` days since 1970-01-01 (a number); `interval` an encoded
 * string (protocol/datetime.ts).
 *
 * Null semantics (SQL's): every function of a NULL argument is NULL, except `and` / `or` (three-
 * valued logic: false AND NULL = false, true OR NULL = true), `is_null`, `is_not_null`, `coalesce`,
 * `case` and `concat_ws`-like functions documented below. `filter` keeps a row only when every
 * predicate is exactly `true` (NULL rejects). The planner type-checks, so operands have the types a
 * function expects (a mismatch is an evaluation error, never a coercion). Evaluation errors
 * (division by zero, a failed cast) put the dataflow in an error state reported on its status and
 * to its peeks, as a Materialize view errors.
 *
 * Evaluation order (it decides which rows error): strict functions evaluate every argument, left
 * to right; `and` / `or` stop at the first false / true argument, `coalesce` at the first non-NULL
 * one, `case` evaluates only the branch it takes, and `filter` stops at the first predicate that
 * is not true. Numeric results must be finite (an overflow is an error) and are never -0.
 *
 * Errors form a multiset beside the data, keyed by message: a row whose expressions fail (in map,
 * filter or a reduce aggregate) leaves the data and adds its multiplicity to its error message;
 * errors pass through every later operator unchanged. The output is in error at a time when that
 * multiset is not empty there (retracting the offending rows heals it). protocol/compute/scalar.ts
 * implements expressions and protocol/compute/reference.ts is the executable definition of every
 * operator.
 */
import { WINDOW_FUNCTIONS, type WindowCall } from './window.js';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ColumnType, Value } from '../types.js';
import { DATETIME_FUNCTIONS } from './datetime-scalar.js';
import { TEXT_FUNCTIONS } from './text-scalar.js';
import { NUMBER_FUNCTIONS } from './number-scalar.js';
import { TIME_FUNCTIONS } from './time-scalar.js';
import { ARRAY_FUNCTIONS } from './array-scalar.js';
import { JSONB_FUNCTIONS } from './jsonb-scalar.js';
import { TABLE_FUNCTIONS, type TableFunction } from './table-function.js';

/** Scalar functions. Arity in brackets; all are NULL on a NULL argument unless said otherwise. */
export const SCALAR_FUNCTIONS = [
  // arithmetic [2]: `+ - * /` on numbers (`/` is exact division; a zero divisor is an error),
  // `div_int` truncating integer division, `%` remainder (sign of the dividend); `neg` [1]
  '+', '-', '*', '/', 'div_int', '%', 'neg',
  // `add_int`, `sub_int`, `mul_int`, `mod_int` [2]: integer arithmetic, exact over int8 (BigInt past
  // 2^53; a bigint past ±(2^53 - 1) is a NUL-tagged digit string, protocol/int-range.ts)
  'add_int', 'sub_int', 'mul_int', 'mod_int',
  // comparisons [2]: numbers, strings (code-unit order), booleans (false < true)
  '=', '<>', '<', '<=', '>', '>=',
  // boolean logic: `and` / `or` [n >= 2] three-valued; `not` [1]
  'and', 'or', 'not',
  // null tests [1]: never NULL
  'is_null', 'is_not_null',
  // `coalesce` [n >= 1]: the first non-NULL argument, NULL if none
  'coalesce',
  // `nullif` [2]: NULL when a = b, else a
  'nullif',
  // strings: lower, upper, length [1] (code points), trim, ltrim, rtrim [1] (spaces only, as
  // Postgres' btrim without characters), concat [n] (NULLs are skipped, as Postgres' concat does;
  // never NULL), `||` [2] (NULL-propagating; non-text operands as to_text), substr [2 or 3]
  // (string, start, count: 1-based, in code points, Postgres semantics; a negative count is an
  // error), replace [3] (string, from, to), position [2] (substring, string: SQL's
  // `position(substring IN string)`; 1-based in code points, 0 if absent),
  // like / ilike [2] (SQL patterns with % and _ and backslash escape), starts_with [2],
  // regex_match / regex_imatch [2] (string, Postgres regular expression: `~` and `~*`, a match
  // anywhere in the string; posix-regex.ts)
  'lower', 'upper', 'length', 'trim', 'ltrim', 'rtrim', 'concat', '||', 'substr', 'replace', 'position',
  'like', 'ilike', 'starts_with', 'regex_match', 'regex_imatch',
  // numeric [1]: abs, floor, ceil, sqrt, exp, ln; round [1 or 2] (half away from zero); `power` [2];
  // greatest / least [n >= 1] (ignore NULLs, NULL only if all are)
  'abs', 'floor', 'ceil', 'round', 'sqrt', 'exp', 'ln', 'power', 'greatest', 'least',
  // casts [1]: to_int (truncates floats toward zero; parses text), to_float, to_text, to_bool
  'to_int', 'to_float', 'to_text', 'to_bool',
  // `numeric_text` [1]: a numeric's text as numeric_out prints it (plain digits at its scale, no exponent)
  'numeric_text',
  // integer range checks [1] (protocol/compute/int-range.ts): the argument itself when it is an
  // integer within smallint / int (int4) / bigint, else an error ("integer out of range"). The
  // planner wraps every integer-typed arithmetic result, cast and sum in the check of its type.
  'check_smallint', 'check_int', 'check_bigint',
  // `round_even` [1]: round half to even, as Postgres rounds float8 (round(2.5::float8) = 2)
  'round_even',
  // numeric (protocol/numeric.ts: exact decimals with a display scale, a number or a tagged
  // string): add / sub / mul / div / mod_numeric [2] exact, at Postgres' result scales (22003
  // past numeric's limits), div rounded to select_div_scale; to_numeric [1] of a float (rounded
  // to 15 significant digits, as Postgres) or of text (exact, at its scale); check_numeric [1]
  // the numeric itself; fit_numeric [3] (value, precision, scale): numeric(p, s)'s rounding and
  // overflow check; round_numeric / trunc_numeric [1 or 2] (value, digits): at scale max(digits, 0)
  'add_numeric', 'sub_numeric', 'mul_numeric', 'div_numeric', 'mod_numeric', 'to_numeric', 'check_numeric', 'fit_numeric',
  'round_numeric', 'trunc_numeric',
  // check_varchar [2] (text, n): varchar(n)'s assignment check: the text itself when it has at most
  // n characters (code points), cut to n when only spaces are past n, else an error (22001)
  'check_varchar',
  // dates, timestamps and intervals: protocol/compute/datetime-scalar.ts
  ...DATETIME_FUNCTIONS,
  // more string and math functions (lpad, split_part, trunc, ...): protocol/compute/text-scalar.ts
  ...TEXT_FUNCTIONS,
  // float4, float text, integer bit operators, log(b, x): protocol/compute/number-scalar.ts
  ...NUMBER_FUNCTIONS,
  // the time type: protocol/compute/time-scalar.ts
  ...TIME_FUNCTIONS,
  // one-dimensional arrays: protocol/compute/array-scalar.ts
  ...ARRAY_FUNCTIONS,
  // jsonb: protocol/compute/jsonb-scalar.ts
  ...JSONB_FUNCTIONS,
] as const;
export type ScalarFunction = (typeof SCALAR_FUNCTIONS)[number];

/** Aggregate functions of `reduce`. */
export const AGGREGATE_FUNCTIONS = [
  'count', 'count_star', 'sum', 'min', 'max', 'avg', 'count_distinct',
  // aggregates-extended.ts: bool_and / bool_or, string_agg, the variance family (over floats)
  'bool_and', 'bool_or', 'string_agg', 'var_samp', 'var_pop', 'stddev_samp', 'stddev_pop',
  // exact decimal sum / average of numeric (and integer) values: protocol/numeric.ts' DecimalSum
  'sum_numeric', 'avg_numeric',
  // array_agg: the values (NULLs included) as an array, ascending by value (protocol/compute/row.ts
  // order, NULLs last; descending with `desc`, NULLs first); NULL for a group of no rows
  'array_agg',
] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

export type Expr =
  | { op: 'col'; index: number }
  | { op: 'lit'; value: Value; type: ColumnType }
  | { op: 'call'; fn: ScalarFunction; args: Expr[] }
  | { op: 'case'; whens: Array<{ when: Expr; then: Expr }>; else: Expr };

/** One aggregate: `count(expr)` counts non-NULL values; `count_star` counts rows (expr ignored);
 *  `sum` / `min` / `max` / `avg` ignore NULLs and are NULL on a group with no non-NULL value;
 *  `avg` is a float; `count_distinct` counts distinct non-NULL values. `sum_numeric` /
 *  `avg_numeric` are `sum` / `avg` on decimals (protocol/numeric.ts DecimalSum): the sum exact at
 *  the largest scale present, the average Postgres' quotient at select_div_scale. With signed
 *  multiplicities: counts and sums weigh each row by its multiplicity; `sum` and `avg` are exact
 *  (the exact sum rounded once, so the result never depends on the order of updates) and NULL when
 *  the non-NULL multiplicities sum to zero; `min`, `max` and `count_distinct` consider the values
 *  whose multiplicity in the group is positive. `sum` / `avg` of a non-number is an error.
 *  With `distinct`, `sum` / `avg` (and the numeric ones) take each value whose multiplicity in
 *  the group is positive once.
 *
 *  `bool_and` / `bool_or` of the distinct non-NULL booleans present (NULL when none);
 *  `string_agg` joins the present non-NULL texts, each repeated by its multiplicity, in
 *  ascending order (descending with `desc`), with `separator` between them (NULL when none);
 *  `var_samp`, `var_pop`, `stddev_samp`, `stddev_pop` of floats from exact sums of x and x*x
 *  (NULL when the multiplicity is 0, or 1 for the sample ones; never negative). */
export interface Aggregate {
  fn: AggregateFunction;
  expr: Expr;
  /** string_agg: the text between values. */
  separator?: string;
  /** string_agg, array_agg: descending order. */
  desc?: boolean;
  /** array_agg: the elements ordered by this value of their row (NULLs last; first with `desc`), then by the element. */
  by?: Expr;
  /** sum / avg / sum_numeric / avg_numeric of the distinct non-NULL values (SQL's `DISTINCT`). */
  distinct?: boolean;
}

export interface OrderKey {
  column: number;
  desc: boolean;
  /** Postgres' default: NULLs sort as larger than every value (last ascending, first descending). */
  nullsFirst: boolean;
}

export type Plan =
  /** A dataflow input (its `inputs[].name`), with its arity. */
  | { op: 'get'; name: string; arity: number }
  /** A constant multiset. */
  | { op: 'constant'; rows: Array<[Value[], number]>; arity: number }
  /** Appends one column per expression (evaluated over the input row, and earlier appended columns). */
  | { op: 'map'; input: Plan; exprs: Expr[] }
  /** Keeps rows for which every predicate is `true`. */
  | { op: 'filter'; input: Plan; predicates: Expr[] }
  /** Picks (and may repeat or reorder) columns. */
  | { op: 'project'; input: Plan; columns: number[] }
  /**
   * Inner equi-join of several inputs: the output row is the concatenation of the inputs' rows;
   * each equivalence class lists columns of that concatenation that must be equal (NULL never
   * equals anything; values of different types are different). Classes sharing a column merge; a
   * class of one column constrains nothing. An empty `equivalences` is a cross product.
   */
  | { op: 'join'; inputs: Plan[]; equivalences: number[][] }
  /** Groups by `groupKey` columns (NULLs group together); output = key columns, then one column
   *  per aggregate. A group exists while the multiplicities of its rows sum to non-zero (with
   *  non-negative multiplicities: while it has rows): an empty input yields no rows, even with an
   *  empty key. A group's output row has multiplicity 1. */
  | { op: 'reduce'; input: Plan; groupKey: number[]; aggregates: Aggregate[] }
  /** Every row with positive multiplicity, once. */
  | { op: 'distinct'; input: Plan }
  /** Multiset sum (inputs of equal arity). */
  | { op: 'union'; inputs: Plan[] }
  /** Negates every multiplicity. */
  | { op: 'negate'; input: Plan }
  /** Keeps rows whose multiplicity is positive, with that multiplicity. */
  | { op: 'threshold'; input: Plan }
  /** Per group of `groupKey`, the rows ranked `offset` to `offset + limit` (all when no limit) by
   *  `order`, ties broken by the whole row (NULL < false < true < numbers < strings) so the result
   *  is deterministic. A row of multiplicity m takes m ranks; rows of non-positive multiplicity
   *  are not ranked. */
  | { op: 'topk'; input: Plan; groupKey: number[]; order: OrderKey[]; limit?: number; offset: number }
  /** Window functions (window.ts): each input row followed by one value per call, computed over its partition. */
  | { op: 'window'; input: Plan; partitionBy: number[]; orderBy: OrderKey[]; functions: WindowCall[] }
  /**
   * A temporal filter (Materialize's `mz_now()` predicates, temporal.ts): each input row is in the
   * output at the times t with `lower[i] <= t` for every lower bound and `t < upper[j]` for every
   * upper bound, each bound evaluated over the row (a timestamp: integral milliseconds). A NULL
   * bound keeps the row out at every time (the comparison is NULL); a non-integral bound is an
   * evaluation error. Maintained, a row inserted at time t appears at max(t, lower) and is
   * retracted at upper, with no further input: the output changes at times no input changed.
   */
  | { op: 'temporal'; input: Plan; lower: Expr[]; upper: Expr[] }
  /**
   * A table function per input row (table-function.ts: generate_series, unnest): `exprs` are its
   * arguments over the row; each value it yields is an output row, the input row then that value.
   * A row whose arguments fail to evaluate, or whose function fails, is an evaluation error.
   */
  | { op: 'flat_map'; input: Plan; func: TableFunction; exprs: Expr[] }
  /**
   * A recursive query (SQL's WITH RECURSIVE), by PostgreSQL's iteration (fixpoint.ts):
   * `inputs[0]` is the non-recursive term, `inputs[1]` the recursive term, which reads the working
   * table as `get name` (of this node's arity; `name` is read nowhere else). The working table
   * starts as the non-recursive term's output; each round evaluates the recursive term over it,
   * and its output becomes the next working table and is added to the result, until a round yields
   * nothing. With `distinct` (UNION): the result is a set, and each round keeps only rows not yet
   * in the result, once. Without it (UNION ALL) every round's rows count with their
   * multiplicities. Past `limit` rounds the output is an evaluation error
   * (RECURSION_LIMIT_MESSAGE), with the rows of the first `limit` rounds.
   */
  | { op: 'fixpoint'; inputs: Plan[]; name: string; arity: number; distinct: boolean; limit: number };

const ExprSchema = Type.Recursive(
  (This) =>
    Type.Union([
      Type.Object({ op: Type.Literal('col'), index: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
      Type.Object({ op: Type.Literal('lit'), value: Value, type: ColumnType }, { additionalProperties: false }),
      Type.Object(
        {
          op: Type.Literal('call'),
          fn: Type.Union(SCALAR_FUNCTIONS.map((f) => Type.Literal(f))),
          args: Type.Array(This, { maxItems: 256 }),
        },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          op: Type.Literal('case'),
          whens: Type.Array(Type.Object({ when: This, then: This }, { additionalProperties: false }), { minItems: 1 }),
          else: This,
        },
        { additionalProperties: false },
      ),
    ]),
  { $id: 'Expr' },
);

const Columns = Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 1024 });
const Arity = Type.Integer({ minimum: 0, maximum: 1024 });

function node(op: string, props: Record<string, TSchema>) {
  return Type.Object({ op: Type.Literal(op), ...props }, { additionalProperties: false });
}

const PlanSchema = Type.Recursive(
  (This) =>
    Type.Union([
      node('get', { name: Type.String({ minLength: 1, maxLength: 64 }), arity: Arity }),
      node('constant', { rows: Type.Array(Type.Tuple([Type.Array(Value), Type.Integer()])), arity: Arity }),
      node('map', { input: This, exprs: Type.Array(ExprSchema) }),
      node('filter', { input: This, predicates: Type.Array(ExprSchema) }),
      node('project', { input: This, columns: Columns }),
      node('join', { inputs: Type.Array(This, { minItems: 1, maxItems: 64 }), equivalences: Type.Array(Columns) }),
      node('reduce', {
        input: This,
        groupKey: Columns,
        aggregates: Type.Array(
          Type.Object(
            {
              fn: Type.Union(AGGREGATE_FUNCTIONS.map((f) => Type.Literal(f))),
              expr: ExprSchema,
              separator: Type.Optional(Type.String({ maxLength: 1024 })),
              desc: Type.Optional(Type.Boolean()),
              by: Type.Optional(ExprSchema),
              distinct: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
        ),
      }),
      node('distinct', { input: This }),
      node('union', { inputs: Type.Array(This, { minItems: 1, maxItems: 256 }) }),
      node('negate', { input: This }),
      node('threshold', { input: This }),
      node('topk', {
        input: This,
        groupKey: Columns,
        order: Type.Array(
          Type.Object(
            { column: Type.Integer({ minimum: 0 }), desc: Type.Boolean(), nullsFirst: Type.Boolean() },
            { additionalProperties: false },
          ),
        ),
        limit: Type.Optional(Type.Integer({ minimum: 0 })),
        offset: Type.Integer({ minimum: 0 }),
      }),
      node('window', {
        input: This,
        partitionBy: Columns,
        orderBy: Type.Array(
          Type.Object(
            { column: Type.Integer({ minimum: 0 }), desc: Type.Boolean(), nullsFirst: Type.Boolean() },
            { additionalProperties: false },
          ),
        ),
        functions: Type.Array(
          Type.Object(
            {
              fn: Type.Union(WINDOW_FUNCTIONS.map((f) => Type.Literal(f))),
              column: Type.Optional(Type.Integer({ minimum: 0 })),
              offset: Type.Optional(Type.Integer({ minimum: 0 })),
              default: Type.Optional(Type.Union([Type.Null(), Type.Boolean(), Type.Number(), Type.String()])),
              frame: Type.Optional(Type.Union([Type.Literal('range'), Type.Literal('rows'), Type.Literal('partition')])),
            },
            { additionalProperties: false },
          ),
          { minItems: 1, maxItems: 64 },
        ),
      }),
      node('temporal', { input: This, lower: Type.Array(ExprSchema, { maxItems: 256 }), upper: Type.Array(ExprSchema, { maxItems: 256 }) }),
      node('flat_map', { input: This, func: Type.Union(TABLE_FUNCTIONS.map((f) => Type.Literal(f))), exprs: Type.Array(ExprSchema, { maxItems: 3 }) }),
      node('fixpoint', {
        inputs: Type.Array(This, { minItems: 2, maxItems: 2 }),
        name: Type.String({ minLength: 1, maxLength: 64 }),
        arity: Arity,
        distinct: Type.Boolean(),
        limit: Type.Integer({ minimum: 1 }),
      }),
    ]),
  { $id: 'Plan' },
);

/** The schemas, for documentation and round-trip tests. */
export const PLAN_SCHEMA = PlanSchema;
export const EXPR_SCHEMA = ExprSchema;
export type PlanStatic = Static<typeof PlanSchema>;

const planCheck = TypeCompiler.Compile(PlanSchema);

/** Checks the shape of a plan (not its arities; see `planArity`). */
export function isPlan(value: unknown): value is Plan {
  return planCheck.Check(value);
}

/** The first shape error of a non-plan, for error messages. */
export function planShapeError(value: unknown): string | undefined {
  const first = planCheck.Errors(value).First();
  return first ? `${first.path || '/'}: ${first.message}` : undefined;
}

/** The output arity of a plan, checking every column reference; throws an Error describing the first fault. */
export function planArity(plan: Plan): number {
  const checkExpr = (e: Expr, arity: number): void => {
    switch (e.op) {
      case 'col':
        if (e.index >= arity) throw new Error(`column ${e.index} out of range (arity ${arity})`);
        return;
      case 'lit':
        return;
      case 'call':
        return e.args.forEach((a) => checkExpr(a, arity));
      case 'case':
        e.whens.forEach((w) => (checkExpr(w.when, arity), checkExpr(w.then, arity)));
        return checkExpr(e.else, arity);
    }
  };
  const checkCols = (cols: number[], arity: number, what: string) => {
    for (const c of cols) if (c >= arity) throw new Error(`${what}: column ${c} out of range (arity ${arity})`);
  };
  switch (plan.op) {
    case 'get':
      return plan.arity;
    case 'constant':
      for (const [row] of plan.rows) if (row.length !== plan.arity) throw new Error(`constant row of arity ${row.length}, expected ${plan.arity}`);
      return plan.arity;
    case 'map': {
      let arity = planArity(plan.input);
      for (const e of plan.exprs) checkExpr(e, arity++);
      return arity;
    }
    case 'filter': {
      const arity = planArity(plan.input);
      plan.predicates.forEach((p) => checkExpr(p, arity));
      return arity;
    }
    case 'temporal': {
      const arity = planArity(plan.input);
      [...plan.lower, ...plan.upper].forEach((p) => checkExpr(p, arity));
      return arity;
    }
    case 'flat_map': {
      const arity = planArity(plan.input);
      plan.exprs.forEach((e) => checkExpr(e, arity));
      return arity + 1;
    }
    case 'project':
      checkCols(plan.columns, planArity(plan.input), 'project');
      return plan.columns.length;
    case 'join': {
      const arity = plan.inputs.reduce((n, p) => n + planArity(p), 0);
      plan.equivalences.forEach((cls) => checkCols(cls, arity, 'join'));
      return arity;
    }
    case 'reduce': {
      const arity = planArity(plan.input);
      checkCols(plan.groupKey, arity, 'reduce');
      plan.aggregates.forEach((a) => {
        checkExpr(a.expr, arity);
        if (a.by) checkExpr(a.by, arity);
      });
      return plan.groupKey.length + plan.aggregates.length;
    }
    case 'distinct':
    case 'negate':
    case 'threshold':
      return planArity(plan.input);
    case 'union': {
      const arities = plan.inputs.map(planArity);
      if (arities.some((a) => a !== arities[0])) throw new Error(`union of arities ${arities.join(', ')}`);
      return arities[0]!;
    }
    case 'topk': {
      const arity = planArity(plan.input);
      checkCols(plan.groupKey, arity, 'topk');
      checkCols(plan.order.map((o) => o.column), arity, 'topk');
      return arity;
    }
    case 'fixpoint': {
      const [base, step] = plan.inputs as [Plan, Plan];
      if (planArity(base) !== plan.arity || planArity(step) !== plan.arity) throw new Error(`fixpoint of arity ${plan.arity} over terms of arities ${planArity(base)}, ${planArity(step)}`);
      if (planInputs(base).has(plan.name)) throw new Error(`fixpoint: the non-recursive term reads ${plan.name}`);
      return plan.arity;
    }
    case 'window': {
      const arity = planArity(plan.input);
      checkCols(plan.partitionBy, arity, 'window');
      checkCols(plan.orderBy.map((o) => o.column), arity, 'window');
      checkCols(plan.functions.flatMap((f) => (f.column !== undefined ? [f.column] : [])), arity, 'window');
      for (const f of plan.functions) if (f.fn === 'ntile' && !((f.offset ?? 1) > 0)) throw new Error('window: ntile needs at least one bucket');
      return arity + plan.functions.length;
    }
  }
}

/** The names of the inputs a plan reads (a fixpoint's working table is not one). */
export function planInputs(plan: Plan, into = new Set<string>()): Set<string> {
  if (plan.op === 'get') into.add(plan.name);
  else if (plan.op === 'fixpoint') {
    const [base, step] = plan.inputs as [Plan, Plan];
    planInputs(base, into);
    const inner = planInputs(step);
    inner.delete(plan.name);
    for (const n of inner) into.add(n);
  } else if ('input' in plan) planInputs(plan.input, into);
  else if ('inputs' in plan) plan.inputs.forEach((p) => planInputs(p, into));
  return into;
}
