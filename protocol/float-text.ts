/**
 * float8 and float4 as Postgres 15 writes them (float8out / float4out with extra_float_digits >= 1,
 * the default): the shortest digits that read back as the same value, in fixed notation when the
 * decimal exponent is in [-4, 15) for float8 and [-4, 6) for float4, else as `d.ddde+XX` with a
 * signed exponent of at least two digits (1e+16, 1e-05); `-0`, `NaN`, `Infinity`, `-Infinity`.
 * Shared by the pgwire front end and the `*_text` casts of COMPUTE; depends on nothing.
 */

/** `x` (its shortest decimal form) in fixed notation for exponents in [-4, fixedBelow), else d.ddde±XX. */
function shortest(x: number, fixedBelow: number): string {
  const [mantissa, exp] = x.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e >= -4 && e < fixedBelow) return String(x);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function special(n: number): string | undefined {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  return undefined;
}

/** A float8's text. */
export function float8Text(n: number): string {
  const s = special(n);
  if (s !== undefined) return s;
  return shortest(n, 15);
}

/** A float4's text (`n` is a single-precision value held as a double). */
export function float4Text(n: number): string {
  const s = special(n);
  if (s !== undefined) return s;
  // The fewest significant digits that read back (rounded to single precision) as n.
  let p = 1;
  while (p < 9 && Math.fround(Number(n.toPrecision(p))) !== n) p++;
  return shortest(Number(n.toPrecision(p)), 6);
}
