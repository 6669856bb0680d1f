/**
 * More of Postgres' string and math functions, as scalar functions of the plan IR (issue #18):
 * lpad / rpad [2 or 3], btrim / ltrim / rtrim with a set of characters [2], repeat, left, right
 * [2], reverse, initcap, ascii, chr [1], split_part [3], translate [3], trunc [1 or 2] (toward
 * zero, on the shortest decimal form as round does), log10 [1]. All are strict (NULL in, NULL
 * out) and count in code points, as Postgres does with UTF8; errors are Postgres' messages.
 */
import { isNumericString, numericToFloat } from '../numeric.js';
import type { Value } from '../types.js';

type Fail = (message: string) => never;

export const TEXT_ARITY = {
  lpad: [2, 3], rpad: [2, 3], btrim_chars: [2, 2], ltrim_chars: [2, 2], rtrim_chars: [2, 2],
  repeat: [2, 2], left: [2, 2], right: [2, 2], reverse: [1, 1], initcap: [1, 1], ascii: [1, 1], chr: [1, 1],
  split_part: [3, 3], translate: [3, 3], trunc: [1, 2], log10: [1, 1],
} as const;
export type TextFunction = keyof typeof TEXT_ARITY;
export const TEXT_FUNCTIONS = Object.keys(TEXT_ARITY) as TextFunction[];

/** Postgres' limit on a string built by repeat / lpad / rpad (1 GB); definite's is lower. */
const MAX_BUILT = 64 * 1024 * 1024;

export function textFunctions(fail: Fail): Record<TextFunction, (args: Value[]) => Value> {
  const text = (fn: string, v: Value): string => (typeof v === 'string' ? v : fail(`${fn} expects text, got ${typeof v}`));
  const int = (fn: string, v: Value): number => (typeof v === 'number' && Number.isInteger(v) ? v : fail(`${fn} expects an integer, got ${String(v)}`));
  const num = (fn: string, v: Value): number => (typeof v === 'number' ? v : isNumericString(v) ? numericToFloat(v as string) : fail(`${fn} expects a number, got ${typeof v}`));
  const chars = (s: string): string[] => [...s];
  const built = (n: number): void => {
    if (n > MAX_BUILT) fail('requested length too large');
  };
  const pad = (fn: 'lpad' | 'rpad') => (args: Value[]): Value => {
    const s = chars(text(fn, args[0]!));
    const n = Math.max(0, int(fn, args[1]!));
    const fill = chars(args.length > 2 ? text(fn, args[2]!) : ' ');
    built(n);
    if (s.length >= n) return s.slice(0, n).join('');
    if (fill.length === 0) return s.join('');
    const padding: string[] = [];
    for (let i = 0; padding.length < n - s.length; i++) padding.push(fill[i % fill.length]!);
    return fn === 'lpad' ? padding.join('') + s.join('') : s.join('') + padding.join('');
  };
  const trimSet = (fn: string, left: boolean, right: boolean) => (args: Value[]): Value => {
    const s = chars(text(fn, args[0]!));
    const set = new Set(chars(text(fn, args[1]!)));
    let a = 0;
    let b = s.length;
    if (left) while (a < b && set.has(s[a]!)) a++;
    if (right) while (b > a && set.has(s[b - 1]!)) b--;
    return s.slice(a, b).join('');
  };
  /** x truncated toward zero to `digits` decimal places, on its shortest decimal form. */
  const trunc = (x: number, digits: number): number => {
    if (!Number.isFinite(x)) return x;
    const shift = (v: number, d: number): number => {
      const [m, e] = String(v).split('e');
      return Number(`${m}e${Number(e ?? 0) + d}`);
    };
    const r = digits === 0 ? Math.trunc(Math.abs(x)) : shift(Math.trunc(shift(Math.abs(x), digits)), -digits);
    return Math.sign(x) * r + 0;
  };
  return {
    lpad: pad('lpad'),
    rpad: pad('rpad'),
    btrim_chars: trimSet('btrim', true, true),
    ltrim_chars: trimSet('ltrim', true, false),
    rtrim_chars: trimSet('rtrim', false, true),
    repeat: (args) => {
      const s = text('repeat', args[0]!);
      const n = Math.max(0, int('repeat', args[1]!));
      built(s.length * n);
      return s.repeat(n);
    },
    left: (args) => {
      const s = chars(text('left', args[0]!));
      const n = int('left', args[1]!);
      return (n >= 0 ? s.slice(0, n) : s.slice(0, Math.max(0, s.length + n))).join('');
    },
    right: (args) => {
      const s = chars(text('right', args[0]!));
      const n = int('right', args[1]!);
      return (n >= 0 ? s.slice(Math.max(0, s.length - n)) : s.slice(Math.min(s.length, -n))).join('');
    },
    reverse: (args) => chars(text('reverse', args[0]!)).reverse().join(''),
    initcap: (args) => {
      // Postgres: the first letter of each run of alphanumerics upper case, the rest lower case.
      let out = '';
      let inWord = false;
      for (const c of chars(text('initcap', args[0]!))) {
        const alnum = /[\p{L}\p{N}]/u.test(c);
        out += alnum ? (inWord ? c.toLowerCase() : c.toUpperCase()) : c;
        inWord = alnum;
      }
      return out;
    },
    ascii: (args) => {
      const s = text('ascii', args[0]!);
      return s.length === 0 ? 0 : s.codePointAt(0)!;
    },
    chr: (args) => {
      const n = int('chr', args[0]!);
      if (n === 0) fail('null character not permitted');
      if (n < 0) fail('character number must be positive');
      if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) fail(`requested character not valid for encoding: ${n}`);
      return String.fromCodePoint(n);
    },
    split_part: (args) => {
      const s = text('split_part', args[0]!);
      const d = text('split_part', args[1]!);
      const n = int('split_part', args[2]!);
      if (n === 0) fail('field position must not be zero');
      const parts = d === '' ? [s] : s.split(d);
      const i = n > 0 ? n - 1 : parts.length + n;
      return i >= 0 && i < parts.length ? parts[i]! : '';
    },
    translate: (args) => {
      const from = chars(text('translate', args[1]!));
      const to = chars(text('translate', args[2]!));
      const map = new Map<string, string | null>();
      from.forEach((c, i) => {
        if (!map.has(c)) map.set(c, i < to.length ? to[i]! : null);
      });
      let out = '';
      for (const c of chars(text('translate', args[0]!))) {
        const m = map.get(c);
        if (m === undefined) out += c;
        else if (m !== null) out += m;
      }
      return out;
    },
    trunc: (args) => trunc(num('trunc', args[0]!), args.length > 1 ? int('trunc', args[1]!) : 0),
    log10: (args) => {
      const x = num('log10', args[0]!);
      if (x === 0) fail('cannot take logarithm of zero');
      if (x < 0) fail('cannot take logarithm of a negative number');
      return Math.log10(x) + 0;
    },
  };
}
