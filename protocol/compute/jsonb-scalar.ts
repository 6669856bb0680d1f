/**
 * Scalar functions of `jsonb` (protocol/jsonb.ts: a value is SOH + Postgres' canonical text), as
 * Postgres 15 evaluates them. Strict (NULL in, NULL out) unless said otherwise:
 * - `jsonb_in` [1] text -> jsonb (invalid input syntax for type json, 22P02); `jsonb_out` [1].
 * - `jsonb_get` [2] (j, text key | int index): `->`; `jsonb_get_text` [2]: `->>` (a string
 *   unquoted, JSON null as SQL NULL); a missing key, an index out of range or the wrong
 *   container is NULL; negative indexes count from the end.
 * - `jsonb_path` / `jsonb_path_text` [2] (j, text[]): `#>` / `#>>`.
 * - `jsonb_contains` [2]: `@>` (Postgres' JsonbDeepContains); `jsonb_exists` [2] (j, text): `?`;
 *   `jsonb_exists_any` / `jsonb_exists_all` [2] (j, text[]): `?|` / `?&`.
 * - `jsonb_concat` [2]: `||`; `jsonb_delete` [2] (j, text | int | text[]): `-`.
 * - `jsonb_typeof`, `jsonb_array_length` [1]; `jsonb_to` [2] (j, target type label): the cast
 *   of a JSON number to numeric (a number or tagged string: protocol/numeric.ts) or of a JSON
 *   boolean to bool ("cannot cast jsonb string to type integer" otherwise).
 * - `to_jsonb` [2] (value, its column type): Postgres' to_jsonb of a definite value.
 * - `jsonb_build_object` [even] (key text, value jsonb, ...), `jsonb_build_array` [any]
 *   (jsonb, ...): not strict, a NULL value is JSON null, a NULL key an error.
 * - `jsonb_of_array` [1] (jsonb[] as an array of values): the JSON array (jsonb_agg's result);
 *   `jsonb_object_of_pairs` [1] (an array of `[key, value]` jsonb arrays): the object
 *   (jsonb_object_agg's result).
 * - `jsonb_length` [2] (j, 'object' | 'array' | 'keys'): the number of pairs / elements for
 *   jsonb_each / jsonb_array_elements / jsonb_object_keys (0 for NULL; 22023 for the wrong kind);
 *   `jsonb_key_at` / `jsonb_value_at` [2] (j, 1-based ordinal): the pair's key / value;
 *   `jsonb_text_of` [1]: `->>`'s text of a jsonb value (jsonb_each_text, jsonb_array_elements_text).
 */
import type { Value } from '../types.js';
import {
  isJsonbValue, jsonbOf, jsonbText, jsonbTypeOf, jsonbValue, JsonbInputError, JsonbNumber, JsonbObject, numberOf, objectOf, parseJsonb, type Jsonb,
} from '../jsonb.js';
import { isNumericString, numericText, numericValue, parseDecimal, type NumericValue } from '../numeric.js';
import { formatDate, decodeInterval, formatInterval } from '../datetime.js';
import { formatTimestamp } from '../timestamp-text.js';

type Fail = (message: string) => never;

export const JSONB_ARITY = {
  jsonb_in: [1, 1], jsonb_out: [1, 1], jsonb_get: [2, 2], jsonb_get_text: [2, 2], jsonb_path: [2, 2], jsonb_path_text: [2, 2],
  jsonb_contains: [2, 2], jsonb_exists: [2, 2], jsonb_exists_any: [2, 2], jsonb_exists_all: [2, 2],
  jsonb_concat: [2, 2], jsonb_delete: [2, 2], jsonb_typeof: [1, 1], jsonb_array_length: [1, 1], jsonb_to: [2, 2],
  to_jsonb: [2, 2], jsonb_build_object: [0, Infinity], jsonb_build_array: [0, Infinity],
  jsonb_of_array: [1, 1], jsonb_object_of_pairs: [1, 1],
  jsonb_length: [2, 2], jsonb_key_at: [2, 2], jsonb_value_at: [2, 2], jsonb_text_of: [1, 1],
} as const satisfies Record<string, readonly [number, number]>;

export type JsonbFunction = keyof typeof JSONB_ARITY;
export const JSONB_FUNCTIONS = Object.keys(JSONB_ARITY) as JsonbFunction[];
/** The functions that are not strict (they see NULL arguments). */
export const JSONB_NOT_STRICT: ReadonlySet<string> = new Set(['jsonb_build_object', 'jsonb_build_array', 'jsonb_length']);

const isScalar = (j: Jsonb) => j === null || typeof j !== 'object' || j instanceof JsonbNumber;
/** Postgres' JsonbTypeName in cast messages. */
const castName = (j: Jsonb) => (j instanceof JsonbNumber ? 'numeric' : jsonbTypeOf(j));

/** The element at `i` (negative from the end), or undefined. */
function elementAt(a: Jsonb[], i: number): Jsonb | undefined {
  const k = i < 0 ? a.length + i : i;
  return k >= 0 && k < a.length ? a[k] : undefined;
}

/** `->>`'s text of a document: a string as itself, JSON null as SQL NULL, others as jsonb text. */
function textOf(j: Jsonb): string | null {
  if (j === null) return null;
  return typeof j === 'string' ? j : jsonbText(j);
}

/** `a @> b` (JsonbDeepContains; top-level scalars are raw-scalar arrays). */
function contains(a: Jsonb, b: Jsonb, top: boolean): boolean {
  if (isScalar(b) && isScalar(a)) return equalScalar(a, b);
  if (top && isScalar(b) && Array.isArray(a)) return a.some((e) => isScalar(e) && equalScalar(e, b));
  if (Array.isArray(a) && Array.isArray(b)) {
    return b.every((x) => (isScalar(x) ? a.some((e) => isScalar(e) && equalScalar(e, x)) : a.some((e) => !isScalar(e) && contains(e, x, false))));
  }
  if (a instanceof JsonbObject && b instanceof JsonbObject) {
    return b.entries.every(([k, v]) => {
      const w = a.get(k);
      if (w === undefined) return false;
      if (isScalar(v) || isScalar(w)) return isScalar(v) && isScalar(w) && equalScalar(w, v);
      return contains(w, v, false);
    });
  }
  return false;
}

function equalScalar(a: Jsonb, b: Jsonb): boolean {
  if (a instanceof JsonbNumber && b instanceof JsonbNumber) {
    const x = parseDecimal(a.text)!;
    const y = parseDecimal(b.text)!;
    const s = Math.max(x.scale, y.scale);
    return x.mant * 10n ** BigInt(s - x.scale) === y.mant * 10n ** BigInt(s - y.scale);
  }
  return a === b;
}

/** Whether `key` is a top-level key, or a top-level string element, of `j` (`?`). */
function exists(j: Jsonb, key: string): boolean {
  if (j instanceof JsonbObject) return j.get(key) !== undefined;
  if (Array.isArray(j)) return j.some((e) => e === key);
  return j === key;
}

/** to_jsonb of a definite value of column type `type`. */
export function toJsonb(v: Value, type: string): Jsonb {
  if (v === null) return null;
  if (type === 'jsonb') return jsonbOf(v as string);
  if (Array.isArray(v)) {
    const element = type.endsWith('[]') ? type.slice(0, -2) : 'text';
    return v.map((e) => toJsonb(e, element));
  }
  if (typeof v === 'boolean') return v;
  switch (type) {
    case 'timestamp':
      return formatTimestamp(v as number).replace(' ', 'T');
    case 'date':
      return formatDate(v as number);
    case 'interval': {
      const i = decodeInterval(v as string);
      return i ? formatInterval(i) : String(v);
    }
    case 'float':
      if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
      return numberOf(String(v));
    case 'smallint':
    case 'int':
    case 'bigint':
    case 'numeric':
      return numberOf(typeof v === 'number' || isNumericString(v) ? numericText(v as NumericValue) : String(v));
    default:
      return String(v);
  }
}

export function jsonbFunctions(fail: Fail): Record<JsonbFunction, (args: Value[]) => Value> {
  const doc = (fn: string, v: Value): Jsonb => {
    if (!isJsonbValue(v)) fail(`${fn} expects jsonb, got ${typeof v}`);
    return jsonbOf(v as string);
  };
  const text = (fn: string, v: Value): string => (typeof v === 'string' ? v : fail(`${fn} expects text, got ${typeof v}`));
  const texts = (fn: string, v: Value): Array<string | null> => (Array.isArray(v) ? (v as Array<string | null>) : fail(`${fn} expects text[], got ${typeof v}`));
  const out = (j: Jsonb | undefined): Value => (j === undefined ? null : jsonbValue(j));
  const get = (j: Jsonb, k: Value): Jsonb | undefined => {
    if (typeof k === 'number') return Array.isArray(j) ? elementAt(j, k) : undefined;
    return j instanceof JsonbObject ? j.get(k as string) : undefined;
  };
  const path = (j: Jsonb, p: Array<string | null>): Jsonb | undefined => {
    let cur: Jsonb | undefined = j;
    for (const step of p) {
      if (cur === undefined || step === null) return undefined;
      if (cur instanceof JsonbObject) cur = cur.get(step);
      else if (Array.isArray(cur)) cur = /^\s*[+-]?\d+\s*$/.test(step) ? elementAt(cur, Number(step)) : undefined;
      else return undefined;
    }
    return cur;
  };
  const asArray = (j: Jsonb): Jsonb[] => (Array.isArray(j) ? j : [j]);
  return {
    jsonb_in: ([t]) => {
      try {
        return jsonbValue(parseJsonb(text('jsonb_in', t!)));
      } catch (e) {
        if (e instanceof JsonbInputError) return fail(`${e.message} (${e.detail})`);
        throw e;
      }
    },
    jsonb_out: ([j]) => jsonbText(doc('jsonb_out', j!)),
    jsonb_get: ([j, k]) => out(get(doc('->', j!), k!)),
    jsonb_get_text: ([j, k]) => {
      const r = get(doc('->>', j!), k!);
      return r === undefined ? null : textOf(r);
    },
    jsonb_path: ([j, p]) => out(path(doc('#>', j!), texts('#>', p!))),
    jsonb_path_text: ([j, p]) => {
      const r = path(doc('#>>', j!), texts('#>>', p!));
      return r === undefined ? null : textOf(r);
    },
    jsonb_contains: ([a, b]) => contains(doc('@>', a!), doc('@>', b!), true),
    jsonb_exists: ([j, k]) => exists(doc('?', j!), text('?', k!)),
    jsonb_exists_any: ([j, ks]) => {
      const d = doc('?|', j!);
      return texts('?|', ks!).some((k) => k !== null && exists(d, k));
    },
    jsonb_exists_all: ([j, ks]) => {
      const d = doc('?&', j!);
      return texts('?&', ks!).every((k) => k === null || exists(d, k));
    },
    jsonb_concat: ([a, b]) => {
      const x = doc('||', a!);
      const y = doc('||', b!);
      if (x instanceof JsonbObject && y instanceof JsonbObject) return jsonbValue(objectOf([...x.entries, ...y.entries]));
      return jsonbValue([...asArray(x), ...asArray(y)]);
    },
    jsonb_delete: ([a, k]) => {
      const j = doc('-', a!);
      if (isScalar(j)) return fail('cannot delete from scalar');
      if (typeof k === 'number') {
        if (j instanceof JsonbObject) return fail('cannot delete from object using integer index');
        const arr = j as Jsonb[];
        const i = k < 0 ? arr.length + k : k;
        return jsonbValue(arr.filter((_, n) => n !== i));
      }
      const keys = new Set(Array.isArray(k) ? (k as Array<string | null>).filter((x): x is string => x !== null) : [text('-', k!)]);
      if (j instanceof JsonbObject) return jsonbValue(new JsonbObject(j.entries.filter(([key]) => !keys.has(key))));
      return jsonbValue((j as Jsonb[]).filter((e) => typeof e !== 'string' || !keys.has(e)));
    },
    jsonb_typeof: ([j]) => jsonbTypeOf(doc('jsonb_typeof', j!)),
    jsonb_array_length: ([j]) => {
      const d = doc('jsonb_array_length', j!);
      if (Array.isArray(d)) return d.length;
      return fail(isScalar(d) ? 'cannot get array length of a scalar' : 'cannot get array length of a non-array');
    },
    jsonb_to: ([j, target]) => {
      const d = doc('jsonb_to', j!);
      const label = String(target);
      if (label === 'boolean') {
        if (typeof d === 'boolean') return d;
      } else if (d instanceof JsonbNumber) {
        return numericValue(parseDecimal(d.text)!);
      }
      return fail(`cannot cast jsonb ${castName(d)} to type ${label}`);
    },
    to_jsonb: ([v, type]) => jsonbValue(toJsonb(v!, String(type))),
    jsonb_build_object: (args) => {
      if (args.length % 2 !== 0) return fail('argument list must have even number of elements');
      const pairs: Array<[string, Jsonb]> = [];
      for (let i = 0; i < args.length; i += 2) {
        const k = args[i]!;
        if (k === null) return fail(`argument ${i + 1}: key must not be null`);
        const v = args[i + 1]!;
        pairs.push([text('jsonb_build_object', k), v === null ? null : doc('jsonb_build_object', v)]);
      }
      return jsonbValue(objectOf(pairs));
    },
    jsonb_build_array: (args) => jsonbValue(args.map((v) => (v === null ? null : doc('jsonb_build_array', v)))),
    jsonb_of_array: ([a]) => {
      if (!Array.isArray(a)) return fail('jsonb_of_array expects an array');
      return jsonbValue(a.map((v) => (v === null ? null : doc('jsonb_agg', v))));
    },
    jsonb_object_of_pairs: ([a]) => {
      if (!Array.isArray(a)) return fail('jsonb_object_of_pairs expects an array');
      const pairs: Array<[string, Jsonb]> = [];
      for (const p of a) {
        const [k, v] = doc('jsonb_object_agg', p) as [Jsonb, Jsonb];
        if (k === null) return fail('field name must not be null');
        pairs.push([typeof k === 'string' ? k : jsonbText(k), v]);
      }
      return jsonbValue(objectOf(pairs));
    },
    jsonb_length: ([j, what]) => {
      if (j === null) return 0;
      const d = doc('jsonb_length', j!);
      const fn = what === 'object' ? 'jsonb_each' : what === 'keys' ? 'jsonb_object_keys' : 'jsonb_array_elements';
      if (what === 'array') {
        if (Array.isArray(d)) return d.length;
        return fail(`cannot extract elements from ${isScalar(d) ? 'a scalar' : 'an object'}`);
      }
      if (d instanceof JsonbObject) return d.entries.length;
      return fail(`cannot call ${fn} on ${isScalar(d) ? 'a scalar' : 'an array'}`);
    },
    jsonb_key_at: ([j, i]) => {
      const d = doc('jsonb_key_at', j!);
      return d instanceof JsonbObject ? (d.entries[(i as number) - 1]?.[0] ?? null) : null;
    },
    jsonb_value_at: ([j, i]) => {
      const d = doc('jsonb_value_at', j!);
      if (d instanceof JsonbObject) return out(d.entries[(i as number) - 1]?.[1]);
      return Array.isArray(d) ? out(d[(i as number) - 1]) : null;
    },
    jsonb_text_of: ([j]) => textOf(doc('jsonb_text_of', j!)),
  };
}
