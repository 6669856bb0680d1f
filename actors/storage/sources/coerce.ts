/**
 * A decoded message field as the value of its column, for the forms a producer has for exact
 * numbers: JSON numbers kept as their text (protocol/exact-json.ts `JsonNumber`, when a double
 * would round them), and, in a numeric column, a string of decimal digits (msgpack has no decimal
 * type; definite's own sinks write numerics that way). Anything else is returned as it is, for
 * `fits` to accept or refuse. Never rounds a numeric: the value is the decimal as written, at its
 * written scale (`1.50` stays 1.50, protocol/numeric.ts). A jsonb column takes any field as its document.
 */
import type { Column, Value } from '../../../protocol/types.js';
import { JsonNumber } from '../../../protocol/exact-json.js';
import { jsonbValue, numberOf, objectOf, type Jsonb } from '../../../protocol/jsonb.js';
import { inIntRange, intValue, isIntegerType } from '../../../protocol/int-range.js';
import { decimalFits, isNumericString, normalize, numericValue, parseDecimal } from '../../../protocol/numeric.js';

/**
 * A field of any shape as a jsonb document (protocol/jsonb.ts): numbers with their digits (a
 * JsonNumber's text, a msgpack int64's), objects with sorted keys; undefined (refused) for what
 * jsonb cannot hold (a string with NUL, a float that is not finite, binary data).
 */
function jsonbField(v: unknown): string | undefined {
  const tree = (x: unknown): Jsonb => {
    if (x === null || typeof x === 'boolean') return x;
    if (typeof x === 'string') {
      if (x.includes('\u0000')) throw new Error('NUL');
      return x;
    }
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) throw new Error('not finite');
      return numberOf(String(x));
    }
    if (typeof x === 'bigint') return numberOf(String(x));
    if (x instanceof JsonNumber) return numberOf(x.text);
    if (Array.isArray(x)) return x.map(tree);
    if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) return objectOf(Object.entries(x as Record<string, unknown>).map(([k, e]) => [k, tree(e)]));
    throw new Error('not JSON');
  };
  try {
    return jsonbValue(tree(v));
  } catch {
    return undefined;
  }
}

/** `v` as a value of `column` (see the header); undefined when it is an exact number the column cannot hold. */
export function coerceField(v: unknown, column: Column): unknown {
  if (v === null || v === undefined) return v;
  const type = column.type;
  if (type === 'jsonb') return jsonbField(v);
  if (type.endsWith('[]')) {
    if (!Array.isArray(v)) return v;
    const element = { ...column, type: type.slice(0, -2) as Column['type'], nullable: true };
    return v.map((e) => coerceField(e, element));
  }
  if (type === 'numeric') {
    if (typeof v === 'bigint') return numericValue({ mant: v, scale: 0 });
    if (v instanceof JsonNumber || (typeof v === 'string' && !isNumericString(v))) {
      const text = v instanceof JsonNumber ? v.text : v.trim();
      const d = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? parseDecimal(text) : undefined;
      return d !== undefined && decimalFits(d) ? numericValue(d) : undefined;
    }
    return v;
  }
  if (v instanceof JsonNumber) {
    // A float takes the nearest double, as JSON.parse gives; an integer column only an integer,
    // exactly (a bigint past ±(2^53 - 1) as its tagged digits, protocol/int-range.ts).
    if (type === 'float') return Number(v.text);
    if (!isIntegerType(type)) return undefined;
    const d = parseDecimal(v.text);
    if (d === undefined || d.scale > 200 || normalize(d).scale !== 0) return undefined;
    const n = normalize(d).mant;
    return inIntRange(intValue(n), type) ? intValue(n) : undefined;
  }
  if (typeof v === 'bigint') {
    // msgpack int64 (decoded as BigInt past 2^53, protocol/codec.ts).
    if (type === 'float') return Number(v);
    return isIntegerType(type) && inIntRange(intValue(v), type) ? intValue(v) : undefined;
  }
  return v as Value;
}
