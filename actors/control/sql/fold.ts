/**
 * Constant folding of scalar expressions: a call whose arguments are all literals is evaluated
 * at plan time (by protocol/compute/scalar.ts, the run time's own evaluator); NULL propagates
 * through functions that are NULL on a NULL argument; AND / OR / NOT / IS NULL / COALESCE / CASE
 * simplify around literals. An evaluation that fails (a division by zero) is left in the plan to
 * fail at run time, on the rows that reach it, as it would have; no result ever changes.
 */
import type { Expr, ScalarFunction } from '../../../protocol/compute/plan.js';
import { evaluate, EvaluationError } from '../../../protocol/compute/scalar.js';
import type { ColumnType } from '../../../protocol/types.js';

/** Functions that are not NULL whenever an argument is NULL (plan.ts' null semantics). */
const NON_STRICT = new Set<ScalarFunction>(['and', 'or', 'is_null', 'is_not_null', 'coalesce', 'nullif', 'concat', 'greatest', 'least',
  // arrays (array-scalar.ts): NULL elements, a NULL null-text, NULL x in ANY / ALL do not make the result NULL
  'array', 'array_to_string', 'eq_any', 'ne_any', 'lt_any', 'le_any', 'gt_any', 'ge_any', 'eq_all', 'ne_all', 'lt_all', 'le_all', 'gt_all', 'ge_all',
  // jsonb (jsonb-scalar.ts): a NULL value is JSON null; a NULL document has no elements
  'jsonb_build_object', 'jsonb_build_array', 'jsonb_length']);

/** Result types of functions whose result type does not depend on their arguments. */
const FIXED_RESULT: Partial<Record<ScalarFunction, ColumnType>> = {
  '=': 'bool', '<>': 'bool', '<': 'bool', '<=': 'bool', '>': 'bool', '>=': 'bool', not: 'bool', like: 'bool', ilike: 'bool', starts_with: 'bool', regex_match: 'bool', regex_imatch: 'bool',
  lower: 'text', upper: 'text', trim: 'text', ltrim: 'text', rtrim: 'text', '||': 'text', substr: 'text', replace: 'text', to_text: 'text', numeric_text: 'text',
  length: 'int', position: 'int', to_int: 'int', div_int: 'int', to_float: 'float', to_bool: 'bool', sqrt: 'float', exp: 'float', ln: 'float',
  check_smallint: 'smallint', check_int: 'int', check_bigint: 'bigint',
  jsonb_in: 'jsonb', jsonb_out: 'text', jsonb_get: 'jsonb', jsonb_get_text: 'text', jsonb_path: 'jsonb', jsonb_path_text: 'text',
  jsonb_contains: 'bool', jsonb_exists: 'bool', jsonb_exists_any: 'bool', jsonb_exists_all: 'bool', jsonb_concat: 'jsonb', jsonb_delete: 'jsonb',
  jsonb_typeof: 'text', jsonb_array_length: 'int', to_jsonb: 'jsonb', jsonb_build_object: 'jsonb', jsonb_build_array: 'jsonb',
  jsonb_of_array: 'jsonb', jsonb_object_of_pairs: 'jsonb', jsonb_length: 'int', jsonb_key_at: 'text', jsonb_value_at: 'jsonb', jsonb_text_of: 'text',
  to_numeric: 'numeric', check_numeric: 'numeric', fit_numeric: 'numeric', round_numeric: 'numeric', trunc_numeric: 'numeric',
};

const NUMERIC_RANK: Partial<Record<ColumnType, number>> = { smallint: 0, int: 1, bigint: 2, numeric: 3, float: 4 };

/** The result type of `fn` over literals of `types` (the planner's typing rules, functions.ts). */
function resultTypeOf(fn: ScalarFunction, types: ColumnType[]): ColumnType {
  const fixed = FIXED_RESULT[fn];
  const widest = types.reduce<ColumnType>((w, t) => ((NUMERIC_RANK[t] ?? -1) > (NUMERIC_RANK[w] ?? -1) ? t : w), types[0] ?? 'text');
  if (fn === 'concat') return 'text';
  if ((fn === 'sqrt' || fn === 'exp' || fn === 'ln' || fn === 'power') && types.includes('numeric')) return 'numeric';
  if (fn === 'power') return 'float';
  return fixed ?? widest;
}

const TRUE: Expr = { op: 'lit', value: true, type: 'bool' };
const FALSE: Expr = { op: 'lit', value: false, type: 'bool' };
const NULL_BOOL: Expr = { op: 'lit', value: null, type: 'bool' };

export function isNullLit(e: Expr): boolean {
  return e.op === 'lit' && e.value === null;
}

/**
 * Folds `e` bottom-up. `resultType`, when known, types a NULL that replaces the whole expression;
 * inner NULLs take their function's fixed result type or the type of a literal argument.
 */
export function foldExpr(e: Expr, resultType?: ColumnType): Expr {
  if (e.op === 'col' || e.op === 'lit') return e;
  if (e.op === 'case') {
    const whens: Array<{ when: Expr; then: Expr }> = [];
    for (const w of e.whens) {
      const when = foldExpr(w.when, 'bool');
      const then = foldExpr(w.then);
      if (when.op === 'lit') {
        if (when.value === true) {
          if (whens.length === 0) return then;
          return { op: 'case', whens, else: then };
        }
        continue; // false or NULL: this branch is never taken
      }
      whens.push({ when, then });
    }
    const otherwise = foldExpr(e.else);
    return whens.length === 0 ? otherwise : { op: 'case', whens, else: otherwise };
  }
  const args = e.args.map((a) => foldExpr(a));
  const fn = e.fn;
  switch (fn) {
    case 'and':
    case 'or': {
      const absorbing = fn === 'and' ? false : true;
      const kept: Expr[] = [];
      let sawNull = false;
      for (const a of args.flatMap((a) => (a.op === 'call' && a.fn === fn ? a.args : [a]))) {
        if (a.op === 'lit') {
          if (a.value === absorbing) return absorbing ? TRUE : FALSE;
          if (a.value === null) sawNull = true;
          continue; // the identity element
        }
        kept.push(a);
      }
      if (sawNull) kept.push(NULL_BOOL);
      if (kept.length === 0) return absorbing ? FALSE : TRUE;
      if (kept.length === 1) return kept[0]!;
      return { op: 'call', fn, args: kept };
    }
    case 'not': {
      const a = args[0]!;
      if (a.op === 'lit') return a.value === null ? NULL_BOOL : a.value ? FALSE : TRUE;
      if (a.op === 'call' && a.fn === 'not') return a.args[0]!;
      return { op: 'call', fn, args };
    }
    case 'is_null':
    case 'is_not_null': {
      const a = args[0]!;
      if (a.op === 'lit') return (a.value === null) === (fn === 'is_null') ? TRUE : FALSE;
      return { op: 'call', fn, args };
    }
    case 'coalesce': {
      const kept = args.filter((a) => !isNullLit(a));
      const firstLit = kept.findIndex((a) => a.op === 'lit');
      const cut = firstLit >= 0 ? kept.slice(0, firstLit + 1) : kept;
      if (cut.length === 0) return args[0]!;
      if (cut.length === 1) return cut[0]!;
      return { op: 'call', fn, args: cut };
    }
    default: {
      const lits = args.filter((a): a is Extract<Expr, { op: 'lit' }> => a.op === 'lit');
      if (lits.length === args.length) {
        const folded: Expr = { op: 'call', fn, args };
        try {
          return { op: 'lit', value: evaluate(folded, []), type: resultType ?? resultTypeOf(fn, lits.map((l) => l.type)) };
        } catch (err) {
          if (err instanceof EvaluationError) return folded;
          throw err;
        }
      }
      if (!NON_STRICT.has(fn) && args.some(isNullLit)) {
        const type = resultType ?? FIXED_RESULT[fn] ?? args.find((a): a is Extract<Expr, { op: 'lit' }> => a.op === 'lit')!.type;
        return { op: 'lit', value: null, type };
      }
      return { op: 'call', fn, args };
    }
  }
}
