/**
 * The SQL side of protocol/compute/text-scalar.ts: Postgres' lpad, rpad, btrim / ltrim / rtrim
 * (with or without a set of characters; `trim(both 'x' from s)` arrives as btrim), repeat, left,
 * right, reverse, initcap, ascii, chr, split_part, translate, trunc, log10 / log(x), div of
 * integers and pi(), with Postgres' argument types: a call no signature fits is 42883.
 */
import type { ScalarFunction } from '../../../protocol/compute/plan.js';
import type { ColumnType } from '../../../protocol/types.js';
import { isIntegerType } from '../../../protocol/int-range.js';
import type { PlanContext } from './context.js';
import { typedCall } from './typed-call.js';
import { coerce, implicitlyConverts, isNumeric, lit, type Typed } from './typed.js';

type Builder = (args: Typed[], fail: () => never, ctx: PlanContext, location: number | undefined, name: string) => Typed;

/** The call `fn(args)` when each argument converts implicitly to its type in `types`, else 42883. */
function signature(fn: ScalarFunction, types: ColumnType[], result: ColumnType, min = types.length): Builder {
  return (args, fail, ctx, loc, name) => {
    if (args.length < min || args.length > types.length) fail();
    const typed = args.map((a, i) => {
      if (a.type !== null && !implicitlyConverts(a.type, types[i]!)) fail();
      return coerce(a, types[i]!, ctx, loc);
    });
    return typedCall(fn, typed, result, name);
  };
}

/** btrim / ltrim / rtrim: spaces with one argument, a set of characters with two. */
function trimming(spaces: ScalarFunction, set: ScalarFunction): Builder {
  const one = signature(spaces, ['text'], 'text');
  const two = signature(set, ['text', 'text'], 'text');
  return (args, fail, ctx, loc, name) => (args.length === 1 ? one : two)(args, fail, ctx, loc, name);
}

/** A number argument: an unknown literal is numeric when it has a fraction, else int. */
function numberArg(t: Typed, fail: () => never, ctx: PlanContext, loc: number | undefined): Typed {
  if (t.type === null) return coerce(t, t.unknownText !== undefined && !/^\s*[+-]?[0-9]+\s*$/.test(t.unknownText) ? 'numeric' : 'int', ctx, loc);
  if (!isNumeric(t.type)) fail();
  return t;
}

export const TEXT_SQL_FUNCTIONS: Record<string, Builder> = {
  lpad: signature('lpad', ['text', 'int', 'text'], 'text', 2),
  rpad: signature('rpad', ['text', 'int', 'text'], 'text', 2),
  btrim: trimming('trim', 'btrim_chars'),
  ltrim: trimming('ltrim', 'ltrim_chars'),
  rtrim: trimming('rtrim', 'rtrim_chars'),
  repeat: signature('repeat', ['text', 'int'], 'text'),
  left: signature('left', ['text', 'int'], 'text'),
  right: signature('right', ['text', 'int'], 'text'),
  reverse: signature('reverse', ['text'], 'text'),
  initcap: signature('initcap', ['text'], 'text'),
  ascii: signature('ascii', ['text'], 'int'),
  chr: signature('chr', ['int'], 'text'),
  split_part: signature('split_part', ['text', 'text', 'int'], 'text'),
  translate: signature('translate', ['text', 'text', 'text'], 'text'),
  // Postgres: trunc(float8) and trunc(numeric [, int]); an integer argument is taken as float8
  // with one argument (its preferred type) and as numeric with two.
  trunc: (args, fail, ctx, loc, name) => {
    if (args.length < 1 || args.length > 2) fail();
    const x = numberArg(args[0]!, fail, ctx, loc);
    if (args.length === 1) return x.type === 'numeric' ? typedCall('trunc_numeric', [x], 'numeric', name) : typedCall('trunc', [coerce(x, 'float', ctx, loc)], 'float', name);
    if (x.type === 'float') fail();
    const digits = args[1]!;
    if (digits.type !== null && !isIntegerType(digits.type)) fail();
    return typedCall('trunc_numeric', [coerce(x, 'numeric', ctx, loc), coerce(digits, 'int', ctx, loc)], 'numeric', name);
  },
  // log(x) is the base-10 logarithm in Postgres; log(b, x) takes numerics (integers widen; a
  // float8 does not convert implicitly: 42883, as Postgres).
  log: (args, fail, ctx, loc, name) => {
    if (args.length === 2) {
      const [b, x] = args.map((t) => numberArg(t, fail, ctx, loc)) as [Typed, Typed];
      if (b.type === 'float' || b.type === 'real' || x.type === 'float' || x.type === 'real') fail();
      return typedCall('log_numeric', [coerce(b, 'numeric', ctx, loc), coerce(x, 'numeric', ctx, loc)], 'numeric', name);
    }
    if (args.length !== 1) fail();
    const x = numberArg(args[0]!, fail, ctx, loc);
    return typedCall('log10', [x.type === 'numeric' ? x : coerce(x, 'float', ctx, loc)], x.type === 'numeric' ? 'numeric' : 'float', name);
  },
  log10: (args, fail, ctx, loc, name) => TEXT_SQL_FUNCTIONS['log']!(args, fail, ctx, loc, name),
  // div(a, b): the integer quotient, truncated toward zero; of integers only here (Postgres'
  // div takes numeric, so integers widen to it; the quotient is the same).
  div: (args, fail, ctx, loc, name) => {
    if (args.length !== 2) fail();
    const [a, b] = args.map((t) => numberArg(t, fail, ctx, loc)) as [Typed, Typed];
    if (!isIntegerType(a.type) || !isIntegerType(b.type)) fail();
    return typedCall('div_int', [coerce(a, 'bigint', ctx, loc), coerce(b, 'bigint', ctx, loc)], 'numeric', name);
  },
  pi: (args, fail, _ctx, _loc, name) => {
    if (args.length !== 0) fail();
    return { expr: lit(Math.PI, 'float'), type: 'float', nullable: false, name };
  },
};
