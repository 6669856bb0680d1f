/**
 * The SQL side of jsonb (protocol/jsonb.ts, protocol/compute/jsonb-scalar.ts): its operators
 * (`-> ->> #> #>> @> <@ ? ?| ?& || -`) with Postgres' operand types, and the scalar functions
 * to_jsonb, jsonb_build_object, jsonb_build_array, jsonb_typeof and jsonb_array_length. An
 * unknown literal beside a jsonb operand takes the operand type Postgres resolves it to (jsonb
 * for `@> <@ ||`, text for `-> ->> ? -`, text[] for `#> #>> ?| ?&`). Casts are casts.ts',
 * aggregates aggregate.ts', the set-returning functions table-functions.ts'.
 */
import type { ScalarFunction } from '../../../protocol/compute/plan.js';
import { SqlState } from '../../../protocol/control/errors.js';
import type { ColumnType } from '../../../protocol/types.js';
import type { PlanContext } from './context.js';
import { castTo } from './casts.js';
import { typedCall } from './typed-call.js';
import { coerce, isNumeric, lit, settle, type Typed } from './typed.js';

type Builder = (args: Typed[], fail: () => never, ctx: PlanContext, location: number | undefined, name: string) => Typed;

/** `t` as jsonb: itself when it is jsonb, else to_jsonb of its value (an unknown literal as text). */
export function asJsonb(t: Typed, ctx: PlanContext, location: number | undefined): Typed {
  const s = settle(t, ctx, location);
  if (s.type === 'jsonb') return s;
  return typedCall('to_jsonb', [s, { expr: lit(s.type, 'text'), type: 'text', nullable: false, name: '?column?' }], 'jsonb', t.name, s.nullable);
}

/** `t` as an operand of `type`: an unknown literal read as it, a value of another type 42883. */
function operand(t: Typed, type: ColumnType, fail: () => never, ctx: PlanContext, location: number | undefined): Typed {
  if (t.type === null) return coerce(t, type, ctx, location);
  if (t.type !== type) fail();
  return t;
}

/** The text of an object key: text itself, anything else through its text cast. */
function keyText(t: Typed, ctx: PlanContext, location: number | undefined): Typed {
  const s = settle(t, ctx, location);
  return s.type === 'text' ? s : castTo(s, 'text', ctx, location);
}

const JSONB_OPERATORS = new Set(['->', '->>', '#>', '#>>', '@>', '<@', '?', '?|', '?&', '||', '-']);

/** `left op right` when it is a jsonb operator (an operand is jsonb), else undefined. */
export function jsonbBinary(op: string, left: Typed, right: Typed, ctx: PlanContext, location: number | undefined): Typed | undefined {
  if (!JSONB_OPERATORS.has(op) || (left.type !== 'jsonb' && right.type !== 'jsonb')) return undefined;
  const fail = (): never => {
    throw ctx.error(SqlState.UndefinedFunction, `operator does not exist: ${left.type ?? 'unknown'} ${op} ${right.type ?? 'unknown'}`, location, 'add explicit casts');
  };
  const name = '?column?';
  const j = (t: Typed) => operand(t, 'jsonb', fail, ctx, location);
  switch (op) {
    case '->':
    case '->>': {
      const key = right.type !== null && (right.type === 'int' || right.type === 'smallint') ? coerce(right, 'int', ctx, location) : operand(right, 'text', fail, ctx, location);
      return typedCall(op === '->' ? 'jsonb_get' : 'jsonb_get_text', [j(left), key], op === '->' ? 'jsonb' : 'text', name, true);
    }
    case '#>':
    case '#>>':
      return typedCall(op === '#>' ? 'jsonb_path' : 'jsonb_path_text', [j(left), operand(right, 'text[]', fail, ctx, location)], op === '#>' ? 'jsonb' : 'text', name, true);
    case '@>':
      return typedCall('jsonb_contains', [j(left), j(right)], 'bool', name);
    case '<@':
      return typedCall('jsonb_contains', [j(right), j(left)], 'bool', name);
    case '?':
      return typedCall('jsonb_exists', [j(left), operand(right, 'text', fail, ctx, location)], 'bool', name);
    case '?|':
    case '?&':
      return typedCall(op === '?|' ? 'jsonb_exists_any' : 'jsonb_exists_all', [j(left), operand(right, 'text[]', fail, ctx, location)], 'bool', name);
    case '||':
      return typedCall('jsonb_concat', [j(left), j(right)], 'jsonb', name);
    default: {
      // jsonb - text, jsonb - int, jsonb - text[]
      const key = right.type === 'text[]' ? right : right.type !== null && isNumeric(right.type) ? coerce(right, 'int', ctx, location) : operand(right, 'text', fail, ctx, location);
      return typedCall('jsonb_delete', [j(left), key], 'jsonb', name);
    }
  }
}

const unary = (fn: ScalarFunction, result: ColumnType): Builder => (args, fail, ctx, loc, name) => {
  if (args.length !== 1) fail();
  return typedCall(fn, [operand(args[0]!, 'jsonb', fail, ctx, loc)], result, name);
};

export const JSONB_SQL_FUNCTIONS: Record<string, Builder> = {
  to_jsonb: (args, fail, ctx, loc, name) => {
    if (args.length !== 1) fail();
    return { ...asJsonb(args[0]!, ctx, loc), name };
  },
  jsonb_build_object: (args, _fail, ctx, loc, name) => {
    if (args.length % 2 !== 0) throw ctx.error('22023', 'argument list must have even number of elements', loc, 'The arguments of jsonb_build_object() must consist of alternating keys and values.');
    args.forEach((a, i) => {
      if (i % 2 === 0 && a.expr.op === 'lit' && a.expr.value === null) throw ctx.error('22023', `argument ${i + 1}: key must not be null`, loc);
    });
    const typed = args.map((a, i) => (i % 2 === 0 ? keyText(a, ctx, loc) : asJsonb(a, ctx, loc)));
    return typedCall('jsonb_build_object', typed, 'jsonb', name, false);
  },
  jsonb_build_array: (args, _fail, ctx, loc, name) => typedCall('jsonb_build_array', args.map((a) => asJsonb(a, ctx, loc)), 'jsonb', name, false),
  jsonb_typeof: unary('jsonb_typeof', 'text'),
  jsonb_array_length: unary('jsonb_array_length', 'int'),
};
