/**
 * Row values as COMPUTE orders and compares them: one total order over all values (NULL < false <
 * true < numbers < strings), lexicographic row order, ORDER BY comparators with the plan's NULL
 * placement, and consolidation of `(row, diff)` lists. Used by the reference evaluator and by the
 * engine, so both sort and break ties identically. Pure functions; no state.
 */
import type { Row, Value } from '../types.js';
import type { OrderKey } from './plan.js';
import { compareNumeric, numericIdentity, type NumericValue } from '../numeric.js';
import { compareJsonbValues, jsonbKey } from '../jsonb.js';

function rank(v: Value): number {
  if (v === null) return 0;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
      return 2;
    case 'string':
      // A numeric carried as a string (protocol/numeric.ts) is a number.
      // A jsonb value (protocol/jsonb.ts) after every other value, in Postgres' jsonb order.
      return v.charCodeAt(0) === 0 ? 2 : v.charCodeAt(0) === 1 ? 5 : 3;
    default:
      return 4;
  }
}

/** Numerics by decimal value, then (equal values of different scales) the shorter form first. */
function compareNumerics(a: NumericValue, b: NumericValue): number {
  const c = compareNumeric(a, b);
  if (c !== 0) return c;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a.length - b.length;
}

/**
 * The total order of values: NULL < false < true < numbers (numeric, by decimal value, 1.5 before
 * 1.50) < strings (code units) < arrays. Arrays compare element by element (a NULL element after every value, as Postgres'
 * array comparison), then the shorter first.
 */
export function compareValues(a: Value, b: Value): number {
  if (a === b) return 0;
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 4) return compareArrays(a as Value[], b as Value[]);
  if (ra === 5) return compareJsonb(a as string, b as string);
  if (ra === 2 && (typeof a === 'string' || typeof b === 'string')) return compareNumerics(a as NumericValue, b as NumericValue);
  // float NaN: one value, above every other number (Postgres' float order), so it sorts and groups as one
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return (a as number | string | boolean) < (b as number | string | boolean) ? -1 : 1;
}

/** jsonb by Postgres' order; equal documents of different spellings (1.0, 1) by their text. */
function compareJsonb(a: string, b: string, total = true): number {
  let c: number;
  try {
    c = compareJsonbValues(a, b);
  } catch {
    c = 0; // a text that merely starts with SOH: text order
  }
  return c !== 0 || !total ? c : a < b ? -1 : a > b ? 1 : 0;
}

function compareArrays(a: Value[], b: Value[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    const c = compareValues(x, y);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Whether two values are the same value (arrays element by element). */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b || (a !== a && b !== b)) return true; // NaN is one value
  return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i] || (x !== x && b[i] !== b[i]));
}

/** Lexicographic order of rows by `compareValues`; a proper prefix sorts first. */
export function compareRows(a: Row, b: Row): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** True when two rows hold the same values (1, "1", true and NULL are all different). */
export function rowsEqual(a: Row, b: Row): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !valuesEqual(a[i]!, b[i]!)) return false;
  return true;
}

/**
 * A string that identifies a row: equal rows, and only they, have equal keys. Each value is tagged
 * with its type, strings are length-prefixed, so no two different rows collide.
 */
export function rowKey(row: Row): string {
  let key = '';
  for (const v of row) {
    if (v === null) key += 'n';
    else if (v === true) key += 't';
    else if (v === false) key += 'f';
    else if (typeof v === 'number') key += `d${v};`;
    else if (typeof v === 'string') key += `s${v.length}:${v}`;
    else key += `a${v.length}[${rowKey(v)}]`;
  }
  return key;
}

/**
 * A string that identifies a key (a GROUP BY, join or partition key): as `rowKey`, but numerics
 * by decimal value, so 1.5 and 1.50 are one key (protocol/numeric.ts), jsonb by `jsonbKey`.
 */
export function keyOf(row: Row): string {
  let key = '';
  for (const v of row) {
    if (typeof v === 'string' && v.charCodeAt(0) === 0) {
      const id = numericIdentity(v);
      key += typeof id === 'number' ? `d${id};` : `s${id.length}:${id}`;
    } else if (typeof v === 'string' && v.charCodeAt(0) === 1) {
      const id = jsonbKey(v);
      key += `j${id.length}:${id}`;
    } else if (Array.isArray(v)) key += `a${v.length}[${keyOf(v)}]`;
    else key += rowKey([v]);
  }
  return key;
}

/**
 * ORDER BY over columns, then the whole row (ascending `compareRows`) to break ties, as topk
 * ranks rows. A NULL sorts before every value when `nullsFirst`, after every value otherwise,
 * whatever the direction.
 */
export function compileOrder(order: OrderKey[]): (a: Row, b: Row) => number {
  const keys = order.map((o) => ({ col: o.column, desc: o.desc, nullsFirst: o.nullsFirst }));
  return (a, b) => {
    for (const k of keys) {
      const x = a[k.col]!;
      const y = b[k.col]!;
      if (x === y) continue;
      if (x === null) return k.nullsFirst ? -1 : 1;
      if (y === null) return k.nullsFirst ? 1 : -1;
      // jsonb documents equal by value ('1' and '1.0') tie here, so later keys decide, as in Postgres.
      const c = typeof x === 'string' && typeof y === 'string' && x.charCodeAt(0) === 1 && y.charCodeAt(0) === 1 ? compareJsonb(x, y, false) : compareValues(x, y);
      if (c !== 0) return k.desc ? -c : c;
    }
    return compareRows(a, b);
  };
}

/** Sums the multiplicities of equal rows, drops zeros, and sorts by `compareRows`. */
export function consolidateRows(rows: Iterable<readonly [Row, number]>): Array<[Row, number]> {
  const acc = new Map<string, [Row, number]>();
  for (const [row, diff] of rows) {
    const key = rowKey(row);
    const cur = acc.get(key);
    if (cur) cur[1] += diff;
    else acc.set(key, [row, diff]);
  }
  const out: Array<[Row, number]> = [];
  for (const e of acc.values()) if (e[1] !== 0) out.push(e);
  return out.sort((a, b) => compareRows(a[0], b[0]));
}
