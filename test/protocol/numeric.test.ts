/**
 * protocol/numeric.ts: decimal parsing and text, the "shortest form" rule of what definite's
 * numeric holds, exact arithmetic, Postgres' division scale, numeric(p,s) fitting, and the
 * decimal sum's independence from update order (random insert/retract histories).
 */
import {
  addNumeric, decimalOf, decimalText, DecimalSum, divNumeric, fitNumeric, modNumeric, mulNumeric, numericOf, parseDecimal,
} from '../../protocol/numeric.js';

test('decimal text reads and prints exactly, without exponents', () => {
  expect(parseDecimal('1e21')).toEqual({ mant: 10n ** 21n, scale: 0 });
  expect(parseDecimal('-.50')).toEqual({ mant: -5n, scale: 1 });
  expect(parseDecimal('1.5e-10')).toEqual({ mant: 15n, scale: 11 });
  expect(parseDecimal('.')).toBeUndefined();
  expect(parseDecimal('1.2.3')).toBeUndefined();
  expect(decimalText(decimalOf(1.5e-10))).toBe('0.00000000015');
  expect(decimalText(decimalOf(-1e21))).toBe('-1000000000000000000000');
});

test('a decimal is held when a double has it as its shortest form, else it is reported as text', () => {
  expect(numericOf(parseDecimal('1234567890123456.7')!)).toBe('1234567890123456.7');
  expect(numericOf(parseDecimal('123456789012345.6')!)).toBe(123456789012345.6);
  expect(numericOf(parseDecimal('12345678901234.5')!)).toBe(12345678901234.5);
  expect(numericOf(parseDecimal('0.30000000000000004')!)).toBe(0.30000000000000004);
  expect(numericOf(parseDecimal('-0')!)).toBe(0);
  expect(Object.is(numericOf(parseDecimal('-0.0')!), 0)).toBe(true);
});

test('arithmetic is on the decimals', () => {
  expect(addNumeric(0.1, 0.2)).toBe(0.3);
  expect(mulNumeric(0.1, 3)).toBe(0.3);
  expect(mulNumeric(1.23456789, 9.87654321)).toBe('12.1932631112635269');
  expect(modNumeric(-5.5, 2)).toBe(-1.5);
  expect(divNumeric(1, 3)).toBe(0.3333333333333333);
  expect(divNumeric(10, 4)).toBe(2.5);
  expect(divNumeric(-44557.028596472 * 1, 1)).toBe(-44557.028596472);
});

test('numeric(p,s) rounds half away from zero and checks the precision', () => {
  expect(fitNumeric(12.345, 10, 2)).toEqual({ ok: true, value: 12.35 });
  expect(fitNumeric(-0.005, 3, 2)).toEqual({ ok: true, value: -0.01 });
  expect(fitNumeric(99.995, 4, 2)).toMatchObject({ ok: false, message: 'numeric field overflow' });
  expect(fitNumeric(99.994, 4, 2)).toEqual({ ok: true, value: 99.99 });
  expect(fitNumeric(1234, 3, -1)).toEqual({ ok: true, value: 1230 });
});

test('a decimal sum depends only on the multiset, whatever the order of inserts and retractions', () => {
  let seed = 5;
  const r = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let trial = 0; trial < 50; trial++) {
    const values = Array.from({ length: 30 }, () => Number((r() * 2000 - 1000).toFixed(Math.floor(r() * 4))));
    const history: Array<[number, number]> = [];
    for (const v of values) {
      history.push([v, 1]);
      if (r() < 0.3) history.push([v, 1], [v, -1]);
    }
    const shuffled = [...history].sort(() => r() - 0.5);
    const a = new DecimalSum();
    for (const [v, d] of shuffled) a.add(v, d);
    const b = new DecimalSum();
    for (const v of values) b.add(v, 1);
    expect(a.value()).toBe(b.value());
    // The oracle: integer arithmetic on thousandths.
    const thousandths = values.reduce((s, v) => s + BigInt(Math.round(v * 1000)), 0n);
    expect(a.value()).toBe(Number(thousandths) / 1000);
  }
});
