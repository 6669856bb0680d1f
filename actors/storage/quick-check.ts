/**
 * The fast path of the append byte check: one table-driven scan over the msgpack bytes of an
 * update array that accepts a batch only when it can prove every update valid (the rules of
 * `validateBatch`), and otherwise answers "not sure" (undefined). It never names an error:
 * `checkEncodedBatch` runs its exact checker whenever this returns undefined, so errors, and the
 * first offending update they name, come from one place. It must never accept what that checker
 * refuses (a test compares them on seeded random batches).
 *
 * Per value it looks the lead byte up in two tables (its kind, its size), reads a number only
 * where a rule needs it (times, diffs, a float's integrality or finiteness), and never reads a
 * string's bytes.
 */
import { inIntRange, isIntegerType } from '../../protocol/int-range.js';
import type { Column } from '../../protocol/types.js';
import type { EncodedBatchInfo } from './encoded-batch.js';

const NIL = 1;
const BOOL = 2;
const INT = 4;
const FLOAT = 8;
const STR = 16;

/** Lead byte -> kind bit (0: not a scalar: maps, arrays, binaries, extensions, 0xc1). */
const KIND = new Uint8Array(256);
/** Lead byte -> size of the whole value; 0 where a length field follows (str 8/16/32). */
const SIZE = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  if (b <= 0x7f || b >= 0xe0) [KIND[b], SIZE[b]] = [INT, 1];
  else if (b >= 0xa0 && b <= 0xbf) [KIND[b], SIZE[b]] = [STR, 1 + (b & 0x1f)];
}
for (const [b, kind, size] of [
  [0xc0, NIL, 1], [0xc2, BOOL, 1], [0xc3, BOOL, 1],
  [0xca, FLOAT, 5], [0xcb, FLOAT, 9],
  [0xcc, INT, 2], [0xcd, INT, 3], [0xce, INT, 5], [0xcf, INT, 9],
  [0xd0, INT, 2], [0xd1, INT, 3], [0xd2, INT, 5], [0xd3, INT, 9],
  [0xd9, STR, 0], [0xda, STR, 0], [0xdb, STR, 0],
] as const) [KIND[b], SIZE[b]] = [kind, size];

/** The kind bits a column accepts (a float must also be integral in an int column, finite in a float one). */
function accepted(column: Column): number {
  const nil = column.nullable ? NIL : 0;
  if (column.type === 'bool') return nil | BOOL;
  if (column.type === 'text' || column.type === 'interval') return nil | STR;
  return nil | INT | FLOAT;
}

/** The number a numeric value starting at `p` holds (NaN for anything else). */
function numberAt(view: DataView, bytes: Uint8Array, p: number): number {
  const b = bytes[p]!;
  if (b <= 0x7f) return b;
  if (b >= 0xe0) return b - 0x100;
  switch (b) {
    case 0xcb: return view.getFloat64(p + 1);
    case 0xca: return view.getFloat32(p + 1);
    case 0xcc: return bytes[p + 1]!;
    case 0xcd: return view.getUint16(p + 1);
    case 0xce: return view.getUint32(p + 1);
    case 0xcf: return Number(view.getBigUint64(p + 1));
    case 0xd0: return view.getInt8(p + 1);
    case 0xd1: return view.getInt16(p + 1);
    case 0xd2: return view.getInt32(p + 1);
    case 0xd3: return Number(view.getBigInt64(p + 1));
    default: return NaN;
  }
}

/**
 * The batch's info when `bytes` is certainly one msgpack array of valid `[row, time, diff]`
 * updates for `schema` with times in `[lower, upper)`; undefined when not sure.
 */
export function quickCheck(schema: Column[], bytes: Uint8Array, lower: number, upper: number): EncodedBatchInfo | undefined {
  const n = bytes.length;
  const width = schema.length;
  if (n === 0 || width > 15) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const accepts = schema.map(accepted);
  // An interval's string, a jsonb document and an array column are checked only by the exact check (encoded-batch.ts).
  if (schema.some((c) => c.type === 'interval' || c.type === 'jsonb' || c.type === 'real' || c.type === 'time' || c.type.endsWith('[]'))) return undefined;
  const integral = schema.map((c) => isIntegerType(c.type) || c.type === 'timestamp' || c.type === 'timestamptz' || c.type === 'date');
  const ranged = schema.map((c) => (isIntegerType(c.type) ? c.type : undefined));
  const rowHeader = 0x90 | width;
  let p = 0;
  let count: number;
  const h = bytes[0]!;
  if (h >= 0x90 && h <= 0x9f) [count, p] = [h & 0x0f, 1];
  else if (h === 0xdc && n >= 3) [count, p] = [view.getUint16(1), 3];
  else if (h === 0xdd && n >= 5) [count, p] = [view.getUint32(1), 5];
  else return undefined;
  let sorted = true;
  let retractions = 0;
  let last = -Infinity;
  let minTime = Infinity;
  try {
    for (let i = 0; i < count; i++) {
      // Every read below stays inside `bytes` while p + 2 <= n; a value running past the end
      // is caught by the bounds checks (or a DataView RangeError) before anything is accepted.
      if (p + 2 > n || bytes[p] !== 0x93 || bytes[p + 1] !== rowHeader) return undefined;
      p += 2;
      for (let c = 0; c < width; c++) {
        if (p >= n) return undefined;
        const b = bytes[p]!;
        const kind = KIND[b]!;
        if ((accepts[c]! & kind) === 0) return undefined;
        let size = SIZE[b]!;
        const range = ranged[c];
        if (range !== undefined && kind !== NIL) {
          if (!inIntRange(numberAt(view, bytes, p), range)) return undefined;
        } else if (kind === FLOAT) {
          const v = b === 0xcb ? view.getFloat64(p + 1) : view.getFloat32(p + 1);
          if (integral[c] ? !Number.isInteger(v) : !Number.isFinite(v)) return undefined;
        } else if (size === 0) {
          size = b === 0xd9 ? 2 + bytes[p + 1]! : b === 0xda ? 3 + view.getUint16(p + 1) : 5 + view.getUint32(p + 1);
        }
        p += size;
      }
      if (!(p < n) || (KIND[bytes[p]!]! & (INT | FLOAT)) === 0) return undefined;
      const time = numberAt(view, bytes, p);
      p += SIZE[bytes[p]!]!;
      if (p >= n || (KIND[bytes[p]!]! & (INT | FLOAT)) === 0) return undefined;
      const diff = numberAt(view, bytes, p);
      p += SIZE[bytes[p]!]!;
      if (p > n || !Number.isInteger(time) || !Number.isInteger(diff) || diff === 0 || time < lower || time >= upper) return undefined;
      if (diff < 0) retractions++;
      if (time < last) sorted = false;
      if (time < minTime) minTime = time;
      last = time;
    }
  } catch (err) {
    if (err instanceof RangeError) return undefined; // a DataView read past the end
    throw err;
  }
  return p === n ? { count, sorted, retractions, minTime } : undefined;
}
