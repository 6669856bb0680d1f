/**
 * Validation of a batch against a collection's schema and time bounds. Every failure is an
 * `InvalidBatch` error naming the first offending update, and nothing is written.
 */
import { isCanonicalJsonb } from '../../protocol/jsonb.js';
import { InvalidBatchError } from '../../protocol/storage/errors.js';
import { inIntRange } from '../../protocol/int-range.js';
import { dateInRange, isEncodedInterval } from '../../protocol/datetime.js';
import type { Column, Update, Value } from '../../protocol/types.js';
import { isNumericValue } from '../../protocol/numeric.js';

export function fits(value: Value, column: Column): boolean {
  if (value === null) return column.nullable;
  switch (column.type) {
    case 'smallint':
    case 'int':
    case 'bigint':
      return inIntRange(value, column.type);
    case 'timestamp':
    case 'timestamptz':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number' && Number.isFinite(value);
    case 'time':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 86_400_000_000;
    case 'real':
      return typeof value === 'number' && Number.isFinite(value) && Math.fround(value) === value;
    case 'numeric':
      return typeof value === 'number' ? Number.isFinite(value) : isNumericValue(value);
    case 'text':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'date':
      return typeof value === 'number' && dateInRange(value);
    case 'interval':
      return typeof value === 'string' && isEncodedInterval(value);
    case 'jsonb':
      return isCanonicalJsonb(value);
    default: {
      // One-dimensional arrays: every element fits the element type (NULL elements allowed).
      const element = { ...column, type: column.type.slice(0, -2) as Column['type'], nullable: true };
      return Array.isArray(value) && value.every((e) => fits(e, element));
    }
  }
}

/** Throws InvalidBatch unless every update fits `schema` and has a time in `[lower, upper)`. */
export function validateBatch(collection: string, schema: Column[], updates: unknown[], lower: number, upper: number): asserts updates is Update[] {
  if (upper < lower) throw new InvalidBatchError(`collection ${collection}: newUpper ${upper} is below expectedUpper ${lower}`);
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i];
    if (!Array.isArray(u) || u.length !== 3 || !Array.isArray(u[0]) || !Number.isInteger(u[1]) || !Number.isInteger(u[2])) {
      throw new InvalidBatchError(`collection ${collection}: update ${i} is not a [row, time, diff] triple`, { details: { index: i } });
    }
    const [row, time, diff] = u as Update;
    if (time < lower || time >= upper) {
      throw new InvalidBatchError(`collection ${collection}: update ${i} has time ${time} outside [${lower}, ${upper})`, { details: { index: i } });
    }
    if (diff === 0) throw new InvalidBatchError(`collection ${collection}: update ${i} has diff 0`, { details: { index: i } });
    if (row.length !== schema.length) {
      throw new InvalidBatchError(`collection ${collection}: update ${i} has ${row.length} columns, the schema has ${schema.length}`, { details: { index: i } });
    }
    for (let c = 0; c < row.length; c++) {
      if (!fits(row[c]!, schema[c]!)) {
        const col = schema[c]!;
        throw new InvalidBatchError(
          `collection ${collection}: update ${i}, column "${col.name}" (${col.type}${col.nullable ? '' : ' not null'}) cannot hold ${JSON.stringify(row[c])}`,
          { details: { index: i, column: col.name } },
        );
      }
    }
  }
}
