/**
 * A decoded message field as the value of its column, for the forms a producer has for exact
 * numbers: JSON numbers kept as their text (protocol/exact-json.ts `JsonNumber`, when a double
 * would round them), and, in a numeric column, a string of decimal digits (msgpack has no decimal
 * type; definite's own sinks write numerics that way). Anything else is returned as it is, for
 * `fits` to accept or refuse. Never rounds a numeric: the value is the decimal as written, at its
 * written scale (`1.50` stays 1.50, protocol/numeric.ts).
 */
import type { Column, Value } from '../../../protocol/types.js';
import { JsonNumber } from '../../../protocol/exact-json.js';
import { decimalFits, isNumericString, normalize, numericValue, parseDecimal } from '../../../protocol/numeric.js';

/** `v` as a value of `column` (see the header); undefined when it is an exact number the column cannot hold. */
export function coerceField(v: unknown, column: Column): unknown {
  if (v === null || v === undefined) return v;
  const type = column.type;
  if (type.endsWith('[]')) {
    if (!Array.isArray(v)) return v;
    const element = { ...column, type: type.slice(0, -2) as Column['type'], nullable: true };
    return v.map((e) => coerceField(e, element));
  }
  if (type === 'numeric') {
    if (v instanceof JsonNumber || (typeof v === 'string' && !isNumericString(v))) {
      const text = v instanceof JsonNumber ? v.text : v.trim();
      const d = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? parseDecimal(text) : undefined;
      return d !== undefined && decimalFits(d) ? numericValue(d) : undefined;
    }
    return v;
  }
  if (v instanceof JsonNumber) {
    // A float takes the nearest double, as JSON.parse gives; an integer column only an integer.
    const x = Number(v.text);
    if (type === 'float') return x;
    const d = parseDecimal(v.text);
    return Number.isSafeInteger(x) && d !== undefined && normalize(d).scale === 0 ? x : undefined;
  }
  return v as Value;
}
