/**
 * Row hashing for hash tables (the COMPUTE engine's arrangements, STORAGE's consolidation): a 32-bit hash of values, rows and column subsets,
 * computed without allocating. Equal values hash equally (0 and -0 alike, numerics by value); values of different
 * types (1, "1", true, NULL) hash differently with high probability, and tables always confirm a
 * hit with `===` on every value, so a collision costs a comparison, never a wrong answer.
 */
import type { Row, Value } from './types.js';
import { compareNumeric, numericIdentity, type NumericValue } from './numeric.js';
import { compareJsonbValues, jsonbKey } from './jsonb.js';

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

const NULL_HASH = 0x7f4a7c15;
const TRUE_HASH = 0x3c6ef372;
const FALSE_HASH = 0x1b873593;
const SEED = 0x2545f491;

const NAN_HASH = 0x7ff80001;

function hashNumber(v: number): number {
  if ((v | 0) === v) return v | 0;
  if (v !== v) return NAN_HASH; // every NaN one key, whatever its bits
  f64[0] = v;
  return (i32[0]! ^ Math.imul(i32[1]!, 0x9e3779b1)) | 0;
}

function hashString(v: string): number {
  let h = 0x811c9dc5 ^ v.length;
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193);
  return h ^ 0x5bd1e995;
}

/**
 * The hash of a numeric carried as a string: the hash of its identity (`numericIdentity`: the
 * number when the decimal without trailing zeros is a double's shortest form, else that tagged
 * text), found without BigInt in the common cases.
 */
function hashNumericString(v: string): number {
  let end = v.length;
  if (v.indexOf('.') >= 0) {
    while (v.charCodeAt(end - 1) === 48) end--;
    if (v.charCodeAt(end - 1) === 46) end--;
  }
  let t = v.slice(1, end);
  if (t === '-0') t = '0';
  const x = Number(t);
  const shortest = String(x);
  if (shortest === t) return hashNumber(x);
  if (shortest.includes('e')) {
    const id = numericIdentity(v);
    return typeof id === 'number' ? hashNumber(id) : hashString(id);
  }
  return hashString('\u0000' + t);
}

/**
 * The hash of one value. A numeric carried as a string (protocol/numeric.ts) hashes as its
 * decimal without trailing zeros, so 1.50 hashes as the number 1.5.
 */
export function hashValue(v: Value): number {
  if (typeof v === 'number') return hashNumber(v);
  if (typeof v === 'string') {
    const c = v.charCodeAt(0);
    if (c === 1) return hashString(jsonbKey(v)); // jsonb: equal documents (1.0 and 1) hash alike
    if (c !== 0) return hashString(v);
    return hashNumericString(v);
  }
  if (v === null) return NULL_HASH;
  if (Array.isArray(v)) {
    let h = 0x3c6ef372 ^ v.length;
    for (const e of v) h = combine(h, hashValue(e));
    return h;
  }
  return v ? TRUE_HASH : FALSE_HASH;
}

/** Folds one value's hash into a running hash. */
export function combine(h: number, v: number): number {
  return (Math.imul(h ^ v, 0x01000193) + 0x6b43a9b5) | 0;
}

/** The hash of a whole row (equal to `hashColumns(row, [0..n))`). */
export function hashRow(row: Row): number {
  let h = SEED;
  for (let i = 0; i < row.length; i++) h = combine(h, hashValue(row[i]!));
  return h;
}

/** The hash of the values of `cols` in `row`, in that order. */
export function hashColumns(row: Row, cols: readonly number[]): number {
  let h = SEED;
  for (let i = 0; i < cols.length; i++) h = combine(h, hashValue(row[cols[i]!]!));
  return h;
}

/** The hash of a key taken from several rows: value m is `rows[inputs[m]][cols[m]]`. */
export function hashParts(rows: readonly Row[], inputs: readonly number[], cols: readonly number[]): number {
  let h = SEED;
  for (let m = 0; m < cols.length; m++) h = combine(h, hashValue(rows[inputs[m]!]![cols[m]!]!));
  return h;
}

/**
 * Whether two key values are the same key: identical, two numerics of one decimal value
 * (1.5 and 1.50: protocol/numeric.ts), NaN and NaN, or two arrays of such elements, as SQL groups
 * and joins them.
 */
export function sameKeyValue(a: Value, b: Value): boolean {
  if (a === b || (a !== a && b !== b)) return true; // float NaN is one key, as Postgres' float8 equality says
  // arrays: element by element (their hash is by content too); NULL elements equal each other, as array_eq says
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(a[i] !== null && b[i] !== null && sameKeyValue(a[i]!, b[i]!))) return false;
    return true;
  }
  if (typeof a === 'string' && typeof b === 'string' && a.charCodeAt(0) === 1 && b.charCodeAt(0) === 1) {
    try {
      return compareJsonbValues(a, b) === 0; // jsonb: Postgres' equality (numbers by value)
    } catch {
      return false;
    }
  }
  const sa = typeof a === 'string' && a.charCodeAt(0) === 0;
  const sb = typeof b === 'string' && b.charCodeAt(0) === 0;
  if (!sa && !sb) return false;
  if ((!sa && typeof a !== 'number') || (!sb && typeof b !== 'number')) return false;
  return compareNumeric(a as NumericValue, b as NumericValue) === 0;
}

/** True when `row`'s values at `cols` equal `key`'s values (numerics by value: `sameKeyValue`). */
export function keyMatches(key: Row, row: Row, cols: readonly number[]): boolean {
  for (let i = 0; i < cols.length; i++) {
    const a = key[i]!;
    const b = row[cols[i]!]!;
    if (a !== b && !sameKeyValue(a, b)) return false;
  }
  return true;
}

/** True when one of `row`'s values at `cols` is NULL. */
export function hasNull(row: Row, cols: readonly number[]): boolean {
  for (let i = 0; i < cols.length; i++) if (row[cols[i]!] === null) return true;
  return false;
}
