/**
 * Scalar expression semantics (protocol/compute/scalar.ts): SQL NULLs and three-valued logic,
 * LIKE, substr, round, errors (division by zero, bad casts), CASE and COALESCE laziness, and the
 * exact sums behind `sum` / `avg`.
 */
import { DefiniteError } from '../../protocol/errors.js';
import { ExactSum } from '../../protocol/compute/exact-sum.js';
import type { Expr } from '../../protocol/compute/plan.js';
import { compileExpr, evaluate, EvaluationError, EVAL_ERROR } from '../../protocol/compute/scalar.js';
import type { Value } from '../../protocol/types.js';
import { call, col, lit } from './engine-harness.js';

const f = (fn: string, ...args: Value[]): Value => evaluate(call(fn, ...args.map(lit)), []);
const fails = (fn: string, ...args: Value[]): string => {
  try {
    f(fn, ...args);
  } catch (err) {
    expect(err).toBeInstanceOf(EvaluationError);
    return (err as Error).message;
  }
  throw new Error(`${fn}(${args.join(', ')}) did not fail`);
};

test('strict functions are NULL on a NULL argument', () => {
  for (const fn of ['+', '-', '*', '/', '%', '=', '<>', '<', '>=', '||', 'like', 'position', 'power']) {
    expect(f(fn, null, 1 as Value)).toBeNull();
  }
  expect(f('+', 1, null)).toBeNull();
  expect(f('not', null)).toBeNull();
  expect(f('lower', null)).toBeNull();
  expect(f('substr', 'abc', null)).toBeNull();
  expect(f('to_int', null)).toBeNull();
  // NULL = NULL is NULL, not true.
  expect(f('=', null, null)).toBeNull();
});

test('and / or are three-valued', () => {
  const T = true;
  const F = false;
  const N = null;
  expect([f('and', T, T), f('and', T, F), f('and', T, N), f('and', F, N), f('and', N, N)]).toEqual([true, false, null, false, null]);
  expect([f('or', F, F), f('or', T, F), f('or', F, N), f('or', T, N), f('or', N, N)]).toEqual([false, true, null, true, null]);
  expect(f('and', T, T, N)).toBeNull();
  expect(f('or', F, F, T)).toBe(true);
});

test('null tests, coalesce, nullif, greatest and least', () => {
  expect([f('is_null', null), f('is_null', 0), f('is_not_null', ''), f('is_not_null', null)]).toEqual([true, false, true, false]);
  expect(f('coalesce', null, null, 3, 4)).toBe(3);
  expect(f('coalesce', null, null)).toBeNull();
  expect([f('nullif', 1, 1), f('nullif', 1, 2), f('nullif', null, 1), f('nullif', 1, null)]).toEqual([null, 1, null, 1]);
  expect([f('greatest', 1, null, 5, 3), f('least', null, 'b', 'a'), f('greatest', null, null)]).toEqual([5, 'a', null]);
});

test('coalesce, case, and and or evaluate lazily; strict functions evaluate every argument', () => {
  const boom: Expr = call('/', lit(1), lit(0));
  expect(evaluate(call('coalesce', lit(7), boom), [])).toBe(7);
  expect(evaluate(call('and', lit(false), call('=', boom, lit(1))), [])).toBe(false);
  expect(evaluate(call('or', lit(true), call('=', boom, lit(1))), [])).toBe(true);
  expect(() => evaluate(call('+', lit(null), boom), [])).toThrow(EvaluationError);
  const c: Expr = {
    op: 'case',
    whens: [
      { when: call('is_null', col(0)), then: lit('none') },
      { when: call('>', col(0), lit(10)), then: lit('big') },
      { when: call('=', col(0), lit(0)), then: boom },
    ],
    else: call('/', lit(100), col(0)),
  };
  const ce = compileExpr(c);
  expect([ce([null]), ce([11]), ce([4])]).toEqual(['none', 'big', 25]);
  expect(() => ce([0])).toThrow('division by zero');
  // A NULL condition is not true: falls through to the next branch.
  expect(evaluate({ op: 'case', whens: [{ when: lit(null), then: lit(1) }], else: lit(2) }, [])).toBe(2);
});

test('arithmetic and division by zero', () => {
  expect([f('+', 2, 3), f('-', 2, 3), f('*', 2, 3), f('/', 7, 2), f('div_int', 7, 2), f('div_int', -7, 2), f('%', -7, 3), f('neg', 4)]).toEqual([
    5, -1, 6, 3.5, 3, -3, -1, -4,
  ]);
  expect(fails('/', 1, 0)).toBe('division by zero');
  expect(fails('div_int', 1, 0)).toBe('division by zero');
  expect(fails('%', 1, 0)).toBe('division by zero');
  expect(fails('*', 1e300, 1e300)).toMatch(/out of range/);
  expect(fails('sqrt', -1)).toMatch(/negative/);
  expect(fails('ln', 0)).toMatch(/zero/);
  expect(fails('+', 1, 'a')).toMatch(/expects a number/);
  expect(Object.is(f('*', 0, -1), -0)).toBe(true); // float8: IEEE's -0, as Postgres (which prints it)
  expect([f('abs', -2), f('floor', -1.5), f('ceil', -1.5), f('power', 2, 10), f('sqrt', 9)]).toEqual([2, -2, -1, 1024, 3]);
});

test('evaluation errors are typed DefiniteErrors that survive the wire', () => {
  let caught: unknown;
  try {
    f('/', 1, 0);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DefiniteError);
  const body = (caught as DefiniteError).toBody();
  expect(body.code).toBe(EVAL_ERROR);
  const rebuilt = DefiniteError.fromMessage(body);
  expect(rebuilt).toBeInstanceOf(EvaluationError);
  expect(rebuilt.message).toBe('division by zero');
});

test('comparisons: numbers, strings by code unit, booleans; mixed types are an error', () => {
  expect([f('<', 1, 2), f('<', 'B', 'a'), f('<', 'a', 'ab'), f('<', false, true), f('=', 1, 1.0), f('<>', 'x', 'x')]).toEqual([true, true, true, true, true, false]);
  expect(fails('=', 1, '1')).toMatch(/cannot compare/);
});

test('like and ilike', () => {
  expect(f('like', 'abc', 'a%')).toBe(true);
  expect(f('like', 'abc', 'a_c')).toBe(true);
  expect(f('like', 'abc', 'a_')).toBe(false);
  expect(f('like', 'abc', '%')).toBe(true);
  expect(f('like', '', '%')).toBe(true);
  expect(f('like', 'a.c', 'a.c')).toBe(true);
  expect(f('like', 'abc', 'a.c')).toBe(false); // '.' is literal
  expect(f('like', '50%', '50\\%')).toBe(true);
  expect(f('like', '500', '50\\%')).toBe(false);
  expect(f('like', 'a_b', 'a\\_b')).toBe(true);
  expect(f('like', 'axb', 'a\\_b')).toBe(false);
  expect(f('like', 'line1\nline2', 'line1%')).toBe(true);
  expect(f('like', 'ABC', 'a%')).toBe(false);
  expect(f('ilike', 'ABC', 'a%')).toBe(true);
  expect(f('like', 'é😀x', '__x')).toBe(true); // _ is one character (code point)
  expect(fails('like', 'a', 'a\\')).toMatch(/escape/);
});

test('substr, position, length, replace, trim, concat', () => {
  expect(f('substr', 'hello', 2)).toBe('ello');
  expect(f('substr', 'hello', 2, 3)).toBe('ell');
  expect(f('substr', 'hello', 0, 3)).toBe('he');
  expect(f('substr', 'hello', -1, 5)).toBe('hel');
  expect(f('substr', 'hello', 4, 100)).toBe('lo');
  expect(f('substr', 'hello', 9)).toBe('');
  expect(f('substr', 'a😀b', 2, 1)).toBe('😀');
  expect(fails('substr', 'hello', 1, -1)).toMatch(/negative substring length/);
  expect([f('position', 'lo', 'hello'), f('position', 'z', 'hello'), f('position', 'b', '😀b')]).toEqual([4, 0, 2]);
  expect([f('length', 'héllo'), f('length', '😀'), f('length', '')]).toEqual([5, 1, 0]);
  expect([f('replace', 'aXbXc', 'X', '--'), f('replace', 'abc', '', 'z')]).toEqual(['a--b--c', 'abc']);
  expect([f('trim', '  a b  '), f('ltrim', '  a '), f('rtrim', ' a  '), f('trim', '\ta\t')]).toEqual(['a b', 'a ', ' a', '\ta\t']);
  expect(f('concat', 'a', null, 1, true)).toBe('a1true');
  expect(f('concat')).toBe('');
  expect(f('||', 'a', 1)).toBe('a1');
  expect([f('lower', 'AbC'), f('upper', 'aBc'), f('starts_with', 'abc', 'ab')]).toEqual(['abc', 'ABC', true]);
});

test('round is half away from zero, on decimal values', () => {
  expect([f('round', 2.5), f('round', -2.5), f('round', 2.4), f('round', -0.4)]).toEqual([3, -3, 2, 0]);
  expect(Object.is(f('round', -0.4), 0)).toBe(true);
  expect([f('round', 1.005, 2), f('round', -1.005, 2), f('round', 1234.5, -2), f('round', 0.125, 2), f('round', 5, 2)]).toEqual([1.01, -1.01, 1200, 0.13, 5]);
  expect(f('round', 1e-7, 8)).toBe(1e-7);
});

test('casts', () => {
  expect([f('to_int', '12'), f('to_int', ' -7 '), f('to_int', 2.7), f('to_int', -2.7), f('to_int', true)]).toEqual([12, -7, 2, -2, 1]);
  expect(fails('to_int', '1.5')).toMatch(/invalid input syntax for type integer/);
  // to_int truncates; the range is the check of the target type.
  expect(fails('check_int', f('to_int', 1e300))).toBe('integer out of range');
  // Exact over int8 (issue #18): past 2^53 a tagged string of the digits, past 2^63 an error.
  expect([f('to_int', '9007199254740993'), f('to_int', '-9223372036854775808'), f('to_int', 1e18)]).toEqual(['\u00009007199254740993', '\u0000-9223372036854775808', 1e18]);
  expect(fails('to_int', '9223372036854775808')).toMatch(/"9223372036854775808" is out of range for type bigint/);
  expect(fails('check_bigint', f('to_int', 2 ** 63))).toBe('bigint out of range');
  expect([f('add_int', 9007199254740991, 2), f('mul_int', 4294967296, 4294967295), f('div_int', '\u00009007199254740993', 2), f('mod_int', '\u00009007199254740993', 10)]).toEqual(['\u00009007199254740993', '\u000018446744069414584320', 4503599627370496, 3]);
  expect([f('to_float', '1.5e2'), f('to_float', '.5'), f('to_float', 3)]).toEqual([150, 0.5, 3]);
  expect(fails('to_float', 'abc')).toMatch(/float/);
  expect([f('to_text', 1.5), f('to_text', false), f('to_text', 'x')]).toEqual(['1.5', 'false', 'x']);
  expect([f('to_bool', 'yes'), f('to_bool', ' F '), f('to_bool', 0), f('to_bool', 2)]).toEqual([true, false, false, true]);
  expect(fails('to_bool', 'maybe')).toMatch(/boolean/);
});

test('malformed calls are refused at compile time', () => {
  expect(() => compileExpr(call('+', lit(1)))).toThrow(/takes 2 arguments, got 1/);
  expect(() => compileExpr(call('substr', lit('a')))).toThrow(/2 to 3/);
  expect(() => compileExpr(call('and', lit(true)))).toThrow(/at least 2/);
});

test('exact sums do not depend on the order or history of additions', () => {
  const values = [0.1, 0.2, 0.3, 1e-7, 12345.678, -0.3, 2 ** 60, 3, -(2 ** 60)];
  const forward = new ExactSum();
  for (const v of values) forward.add(v, 1);
  const backward = new ExactSum();
  for (const v of [...values].reverse()) backward.add(v, 1);
  // Add everything three times, retract twice, with noise in between.
  const noisy = new ExactSum();
  for (const v of values) noisy.add(v, 3);
  noisy.add(0.7, 5);
  for (const v of values) noisy.add(v, -2);
  noisy.add(0.7, -5);
  expect(forward.value()).toBe(backward.value());
  expect(noisy.value()).toBe(forward.value());
  // The exact sum of the doubles, rounded once.
  expect(forward.value()).toBe(12348.9780001);
  const zero = new ExactSum();
  zero.add(0.1, 1);
  zero.add(0.2, 1);
  zero.add(0.3, -1);
  expect(zero.isZero()).toBe(false); // 0.1 + 0.2 - 0.3 is not exactly zero in binary...
  expect(zero.value()).toBe(2 ** -55); // ...but exactly 2^-55
  zero.add(0.1, -1);
  zero.add(0.2, -1);
  zero.add(0.3, 1);
  expect(zero.isZero()).toBe(true);
  const ints = new ExactSum();
  ints.add(2 ** 53, 2);
  ints.add(1, 1);
  expect(ints.value()).toBe(2 ** 54);
});
