/**
 * protocol/numeric.ts: decimal parsing and text, the "shortest form" rule of what definite's
 * numeric holds, exact arithmetic, Postgres' division scale, numeric(p,s) fitting, and the
 * decimal sum's independence from update order (random insert/retract histories).
 */
import {
  addDecimal, compareNumeric, decimalOf, decimalOfValue, decimalText, DecimalSum, divDecimal, fitNumeric, isNumericValue, modDecimal, mulDecimal,
  numericIdentity, numericText, numericValue, parseDecimal, roundDecimal, truncDecimal, type NumericValue,
} from '../../protocol/numeric.js';
import { hashValue, keyMatches } from '../../protocol/row-hash.js';
import { compareValues } from '../../protocol/compute/row.js';

const dec = (s: string) => parseDecimal(s)!;
const val = (s: string) => numericValue(dec(s));
const text = (v: NumericValue) => numericText(v);

test('decimal text reads and prints exactly, at its display scale, without exponents', () => {
  expect(parseDecimal('1e21')).toEqual({ mant: 10n ** 21n, scale: 0 });
  expect(parseDecimal('-.50')).toEqual({ mant: -50n, scale: 2 });
  expect(parseDecimal('1.5e-10')).toEqual({ mant: 15n, scale: 11 });
  expect(parseDecimal('1.50e1')).toEqual({ mant: 150n, scale: 1 });
  expect(parseDecimal('.')).toBeUndefined();
  expect(parseDecimal('1.2.3')).toBeUndefined();
  expect(decimalText(decimalOf(1.5e-10))).toBe('0.00000000015');
  expect(decimalText(decimalOf(-1e21))).toBe('-1000000000000000000000');
});

test('a value is a number when it is a double\'s shortest form at its own scale, else a tagged string', () => {
  expect(val('1.5')).toBe(1.5);
  expect(val('42')).toBe(42);
  expect(val('-0')).toBe(0);
  expect(val('1.50')).toBe('\u00001.50');
  expect(val('0.00')).toBe('\u00000.00');
  expect(val('1234567890123456.7')).toBe('\u00001234567890123456.7');
  expect(val('123456789012345.6')).toBe(123456789012345.6);
  expect(val('0.30000000000000004')).toBe(0.30000000000000004);
  expect(text(val('12345678901234567890.123'))).toBe('12345678901234567890.123');
  expect(text(1e21)).toBe('1000000000000000000000');
  expect(isNumericValue(val('1.50'))).toBe(true);
  expect(isNumericValue('\u00001.5')).toBe(false); // not its one form (the number 1.5 is)
  expect(isNumericValue('1.50')).toBe(false);
  expect(decimalOfValue(val('1.50'))).toEqual({ mant: 150n, scale: 2 });
});

test('arithmetic is exact at Postgres\' result scales', () => {
  const r = (d: { mant: bigint; scale: number }) => text(numericValue(d));
  expect(r(addDecimal(dec('0.1'), dec('0.2')))).toBe('0.3');
  expect(r(addDecimal(dec('1.10'), dec('2.205')))).toBe('3.305');
  expect(r(mulDecimal(dec('1.10'), dec('2')))).toBe('2.20');
  expect(r(mulDecimal(dec('1.23456789'), dec('9.87654321')))).toBe('12.1932631112635269');
  expect(r(modDecimal(dec('-5.5'), dec('2')))).toBe('-1.5');
  expect(r(divDecimal(dec('1'), dec('3')))).toBe('0.33333333333333333333');
  expect(r(divDecimal(dec('10'), dec('4')))).toBe('2.5000000000000000');
  expect(r(divDecimal(dec('1.0'), dec('4')))).toBe('0.25000000000000000000');
  expect(r(roundDecimal(dec('2.5'), 2))).toBe('2.50');
  expect(r(roundDecimal(dec('-2.5'), 0))).toBe('-3');
  expect(r(roundDecimal(dec('1234.5'), -2))).toBe('1200');
  expect(r(truncDecimal(dec('-2.599'), 1))).toBe('-2.5');
});

test('numeric(p,s) rounds half away from zero, pads to the scale, and checks the precision', () => {
  expect(fitNumeric(12.345, 10, 2)).toEqual({ ok: true, value: 12.35 });
  expect(fitNumeric(100, 5, 2)).toEqual({ ok: true, value: '\u0000100.00' });
  expect(fitNumeric(-0.005, 3, 2)).toEqual({ ok: true, value: -0.01 });
  expect(fitNumeric(99.995, 4, 2)).toMatchObject({ ok: false, message: 'numeric field overflow' });
  expect(fitNumeric(99.994, 4, 2)).toEqual({ ok: true, value: 99.99 });
  expect(fitNumeric(1234, 3, -1)).toEqual({ ok: true, value: 1230 });
});

test('1.5 and 1.50 are one value to comparisons, hashes and keys, and two to rows', () => {
  const a = 1.5;
  const b = val('1.50');
  expect(compareNumeric(a, b)).toBe(0);
  expect(numericIdentity(b as string)).toBe(1.5);
  expect(hashValue(a)).toBe(hashValue(b));
  expect(hashValue(val('12345678901234567890.10'))).toBe(hashValue(val('12345678901234567890.1')));
  // The fast path agrees with the identity's hash, whatever the form.
  for (const t of ['0.00', '-0.0', '10.0', '1.50', '100.00', '1e21', '1000000000000000000000.00', '0.00000010', '-12345678901234567890.100', '0.30000000000000004000', '123456789012345678.0']) {
    const id = numericIdentity(val(t) as string);
    expect([t, hashValue(val(t))]).toEqual([t, hashValue(id)]);
  }
  expect(keyMatches([a], [b], [0])).toBe(true);
  expect(keyMatches([a], [val('1.51')], [0])).toBe(false);
  expect(compareValues(a, b)).toBeLessThan(0); // a total order: the shorter form first
  expect(compareValues(val('2.00'), a)).toBeGreaterThan(0);
  expect(compareValues(val('-12345678901234567890.5'), val('-12345678901234567890.4'))).toBeLessThan(0);
  expect(compareValues(b, 'text')).toBeLessThan(0);
});

test('a decimal sum depends only on the multiset, whatever the order of inserts and retractions', () => {
  let seed = 5;
  const r = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let trial = 0; trial < 50; trial++) {
    const values = Array.from({ length: 30 }, () => val((r() * 2000 - 1000).toFixed(Math.floor(r() * 4))));
    const history: Array<[NumericValue, number]> = [];
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
    // The oracle: integer arithmetic on thousandths, at the largest scale present.
    const thousandths = values.reduce<bigint>((s, v) => { const d = decimalOfValue(v); return s + d.mant * 10n ** BigInt(3 - d.scale); }, 0n);
    const scale = Math.max(...values.map((v) => decimalOfValue(v).scale));
    expect(decimalOfValue(a.value())).toEqual({ mant: thousandths / 10n ** BigInt(3 - scale), scale });
  }
});

test('a sum\'s scale drops back when its widest value is retracted', () => {
  const s = new DecimalSum();
  s.add(val('1.5'), 1);
  s.add(val('2.125'), 1);
  expect(text(s.value())).toBe('3.625');
  s.add(val('2.125'), -1);
  expect(text(s.value())).toBe('1.5');
  s.add(val('1.50'), 2);
  expect(text(s.value())).toBe('4.50');
  expect(text(s.average(3))).toBe('1.5000000000000000');
});
