/**
 * Row hashing for hash tables (the COMPUTE engine's arrangements, STORAGE's consolidation): a 32-bit hash of values, rows and column subsets,
 * computed without allocating. Equal values hash equally (0 and -0 alike); values of different
 * types (1, "1", true, NULL) hash differently with high probability, and tables always confirm a
 * hit with `===` on every value, so a collision costs a comparison, never a wrong answer.
 */
import type { Row, Value } from './types.js';

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

const NULL_HASH = 0x7f4a7c15;
const TRUE_HASH = 0x3c6ef372;
const FALSE_HASH = 0x1b873593;
const SEED = 0x2545f491;

/** The hash of one value. */
export function hashValue(v: Value): number {
  if (typeof v === 'number') {
    if ((v | 0) === v) return v | 0;
    f64[0] = v;
    return (i32[0]! ^ Math.imul(i32[1]!, 0x9e3779b1)) | 0;
  }
  if (typeof v === 'string') {
    let h = 0x811c9dc5 ^ v.length;
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193);
    return h ^ 0x5bd1e995;
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

/** True when `row`'s values at `cols` equal `key`'s values. */
export function keyMatches(key: Row, row: Row, cols: readonly number[]): boolean {
  for (let i = 0; i < cols.length; i++) if (key[i] !== row[cols[i]!]) return false;
  return true;
}

/** True when one of `row`'s values at `cols` is NULL. */
export function hasNull(row: Row, cols: readonly number[]): boolean {
  for (let i = 0; i < cols.length; i++) if (row[cols[i]!] === null) return true;
  return false;
}
