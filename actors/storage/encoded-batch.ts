/**
 * Encoded batches: a batch of updates kept as the msgpack bytes of its `[row, time, diff][]`
 * array, as the writer sent it. `checkEncodedBatch` validates those bytes against a schema and the
 * time bounds in one pass, without decoding them into objects (the same rules as
 * `validateBatch`: every failure is an InvalidBatch naming the first offending update), so an
 * append can store exactly the bytes it received. `binaryValue` copies those bytes once, straight
 * into the msgpack binary value the store keeps. `concatBatches` joins encoded batches into one
 * by concatenating their elements, so a merge that needs no consolidation never decodes.
 * `filterByTime` and `chunkBatches` (`chunksOf`, lazily) cut encoded batches at update boundaries
 * (by time, by size) without decoding rows, for subscriptions that take the stored bytes
 * (`consolidated: false`) and for readers that work through a large batch in slices.
 */
import { isCanonicalJsonb } from '../../protocol/jsonb.js';
import { dateInRange } from '../../protocol/datetime.js';
import type { DefiniteError } from '../../protocol/errors.js';
import { InvalidBatchError } from '../../protocol/storage/errors.js';
import { inIntRange, isIntegerType } from '../../protocol/int-range.js';
import type { Column } from '../../protocol/types.js';
import { isNumericValue } from '../../protocol/numeric.js';
import { quickCheck } from './quick-check.js';

/** What a valid encoded batch holds. */
export interface EncodedBatchInfo {
  count: number;
  /** Whether the update times never decrease (else the shard sorts the batch before storing it). */
  sorted: boolean;
  /** How many updates have a negative diff (a merge below since consolidates only when some do). */
  retractions: number;
  /** The lowest update time (Infinity for an empty batch). */
  minTime: number;
}

/** A msgpack value's kind, as far as the column types care. */
const enum Kind {
  Nil,
  Bool,
  Int,
  Float,
  Str,
  Other,
}

/** Reads msgpack values from bytes, one at a time, without decoding rows into objects. */
export class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new Truncated();
  }

  /** Reads an array header; returns its length, or -1 (consuming nothing) if the value is not an array. */
  arrayHeader(): number {
    this.need(1);
    const b = this.bytes[this.pos]!;
    if (b >= 0x90 && b <= 0x9f) {
      this.pos++;
      return b & 0x0f;
    }
    if (b === 0xdc) {
      this.need(3);
      const n = this.view.getUint16(this.pos + 1);
      this.pos += 3;
      return n;
    }
    if (b === 0xdd) {
      this.need(5);
      const n = this.view.getUint32(this.pos + 1);
      this.pos += 5;
      return n;
    }
    return -1;
  }

  /** The numeric value of the last scalar read (NaN when it was not a number). */
  num = NaN;

  /** Reads one scalar value and returns its kind (its number in `num`); consumes nothing for `Other`. */
  scalar(): Kind {
    this.need(1);
    const v = this.view;
    const p = this.pos;
    const b = this.bytes[p]!;
    if (b <= 0x7f) return this.done(1, Kind.Int, b);
    if (b >= 0xe0) return this.done(1, Kind.Int, b - 0x100);
    if (b >= 0xa0 && b <= 0xbf) return this.str(1, b & 0x1f);
    switch (b) {
      case 0xc0:
        return this.done(1, Kind.Nil, NaN);
      case 0xc2:
      case 0xc3:
        return this.done(1, Kind.Bool, NaN);
      case 0xcc:
        this.need(2);
        return this.done(2, Kind.Int, v.getUint8(p + 1));
      case 0xcd:
        this.need(3);
        return this.done(3, Kind.Int, v.getUint16(p + 1));
      case 0xce:
        this.need(5);
        return this.done(5, Kind.Int, v.getUint32(p + 1));
      case 0xcf:
        this.need(9);
        return this.done(9, Kind.Int, Number(v.getBigUint64(p + 1)));
      case 0xd0:
        this.need(2);
        return this.done(2, Kind.Int, v.getInt8(p + 1));
      case 0xd1:
        this.need(3);
        return this.done(3, Kind.Int, v.getInt16(p + 1));
      case 0xd2:
        this.need(5);
        return this.done(5, Kind.Int, v.getInt32(p + 1));
      case 0xd3:
        this.need(9);
        return this.done(9, Kind.Int, Number(v.getBigInt64(p + 1)));
      case 0xca:
        this.need(5);
        return this.done(5, Kind.Float, v.getFloat32(p + 1));
      case 0xcb:
        this.need(9);
        return this.done(9, Kind.Float, v.getFloat64(p + 1));
      case 0xd9:
        this.need(2);
        return this.str(2, v.getUint8(p + 1));
      case 0xda:
        this.need(3);
        return this.str(3, v.getUint16(p + 1));
      case 0xdb:
        this.need(5);
        return this.str(5, v.getUint32(p + 1));
      default:
        this.num = NaN;
        return Kind.Other;
    }
  }

  /** Skips one value of any msgpack type. */
  skip(): void {
    const n = this.arrayHeader();
    if (n >= 0) {
      for (let i = 0; i < n; i++) this.skip();
      return;
    }
    if (this.scalar() !== Kind.Other) return;
    const p = this.pos;
    const b = this.bytes[p]!;
    const v = this.view;
    const map = (len: number, header: number) => {
      this.need(header);
      this.pos += header;
      for (let i = 0; i < 2 * len; i++) this.skip();
    };
    const sized = (header: number, len: number) => {
      this.need(header + len);
      this.pos += header + len;
    };
    if (b >= 0x80 && b <= 0x8f) return map(b & 0x0f, 1);
    switch (b) {
      case 0xde:
        this.need(3);
        return map(v.getUint16(p + 1), 3);
      case 0xdf:
        this.need(5);
        return map(v.getUint32(p + 1), 5);
      case 0xc4:
        this.need(2);
        return sized(2, v.getUint8(p + 1));
      case 0xc5:
        this.need(3);
        return sized(3, v.getUint16(p + 1));
      case 0xc6:
        this.need(5);
        return sized(5, v.getUint32(p + 1));
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return sized(2, 1 << (b - 0xd4));
      case 0xc7:
        this.need(2);
        return sized(3, v.getUint8(p + 1));
      case 0xc8:
        this.need(3);
        return sized(4, v.getUint16(p + 1));
      case 0xc9:
        this.need(5);
        return sized(6, v.getUint32(p + 1));
      default:
        throw new Error(`byte 0x${b.toString(16)} at ${p} starts no msgpack value`);
    }
  }

  /** Where the last string read starts and ends in `bytes` (its UTF-8 payload). */
  strStart = 0;
  strEnd = 0;

  private str(header: number, length: number): Kind {
    this.strStart = this.pos + header;
    this.strEnd = this.strStart + length;
    return this.done(header + length, Kind.Str, NaN);
  }

  /** The last string read (call only after `scalar()` returned Str). */
  lastString(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.strStart, this.strEnd - this.strStart).toString('utf8');
  }

  private done(size: number, kind: Kind, num: number): Kind {
    this.need(size);
    this.pos += size;
    this.num = num;
    return kind;
  }
}

class Truncated extends Error {}

/** Whether a scalar of `kind` with numeric value `num` fits `column` (the rules of `fits`). */
function fitsScalar(kind: Kind, num: number, column: Column, r: Reader): boolean {
  switch (kind) {
    case Kind.Nil:
      return column.nullable;
    case Kind.Bool:
      return column.type === 'bool';
    case Kind.Str:
      // An interval's string (protocol/datetime.ts) is not decoded here.
      // A numeric carried as a string (protocol/numeric.ts) is decoded and checked.
      if (column.type === 'numeric') return isNumericValue(r.lastString());
      // A bigint past ±(2^53 - 1) is a tagged string of its digits (protocol/int-range.ts).
      if (column.type === 'bigint') return inIntRange(r.lastString(), 'bigint');
      // A jsonb document (protocol/jsonb.ts) is decoded and checked to be canonical.
      if (column.type === 'jsonb') return isCanonicalJsonb(r.lastString());
      return column.type === 'text' || column.type === 'interval';
    case Kind.Int:
    case Kind.Float:
      if (isIntegerType(column.type)) return inIntRange(num, column.type);
      if (column.type === 'timestamp' || column.type === 'timestamptz') return Number.isInteger(num);
      if (column.type === 'time') return Number.isInteger(num) && num >= 0 && num <= 86_400_000_000;
      if (column.type === 'real') return Number.isFinite(num) && Math.fround(num) === num;
      if (column.type === 'date') return dateInRange(num);
      if (column.type === 'float' || column.type === 'numeric') return Number.isFinite(num);
      return false;
    default:
      return false;
  }
}

const KIND_NAMES = ['null', 'a boolean', 'a number', 'a number', 'a string', 'a non-scalar value'];

/**
 * Throws InvalidBatch unless `bytes` is one msgpack array of `[row, time, diff]` updates whose
 * rows fit `schema` and whose times are in `[lower, upper)`.
 */
export function checkEncodedBatch(collection: string, schema: Column[], bytes: Uint8Array, lower: number, upper: number): EncodedBatchInfo {
  if (upper < lower) throw new InvalidBatchError(`collection ${collection}: newUpper ${upper} is below expectedUpper ${lower}`);
  // The fast scan proves most valid batches valid; when it is not sure, the exact check below
  // decides (and names the first offending update).
  const quick = quickCheck(schema, bytes, lower, upper);
  if (quick) return quick;
  const r = new Reader(bytes);
  let i = 0;
  try {
    const count = r.arrayHeader();
    if (count < 0) throw new InvalidBatchError(`collection ${collection}: the encoded updates are not a msgpack array`);
    let sorted = true;
    let retractions = 0;
    let last = -Infinity;
    let minTime = Infinity;
    for (; i < count; i++) {
      if (r.arrayHeader() !== 3) throw notTriple(collection, i);
      const width = r.arrayHeader();
      if (width < 0) throw notTriple(collection, i);
      // The first column whose value does not fit (checked after the triple's own shape).
      let bad = -1;
      let badKind = Kind.Other;
      for (let c = 0; c < width; c++) {
        const kind = r.scalar();
        if (kind === Kind.Other) {
          if (c >= schema.length) throw widthError(collection, i, width, schema.length);
          // An array column (int[], text[], ...) holds a msgpack array of its element type's scalars,
          // NULLs among them; a map, binary value or nested array fits no column (and is not read further).
          const col = schema[c]!;
          const n = col.type.endsWith('[]') ? r.arrayHeader() : -1;
          if (n < 0) throw columnError(collection, i, col, 'a non-scalar value');
          const element: Column = { ...col, type: col.type.slice(0, -2) as Column['type'], nullable: true };
          for (let e = 0; e < n; e++) {
            const ek = r.scalar();
            if (ek === Kind.Other) throw columnError(collection, i, col, 'a nested value');
            if (bad < 0 && !fitsScalar(ek, r.num, element, r)) {
              bad = c;
              badKind = ek;
            }
          }
          continue;
        }
        if (bad < 0 && (c >= schema.length || !fitsScalar(kind, r.num, schema[c]!, r))) {
          bad = c;
          badKind = kind;
        }
      }
      const timeKind = r.scalar();
      const time = r.num;
      const diffKind = r.scalar();
      const diff = r.num;
      if (!isInteger(timeKind, time) || !isInteger(diffKind, diff)) throw notTriple(collection, i);
      if (time < lower || time >= upper) {
        throw new InvalidBatchError(`collection ${collection}: update ${i} has time ${time} outside [${lower}, ${upper})`, { details: { index: i } });
      }
      if (diff === 0) throw new InvalidBatchError(`collection ${collection}: update ${i} has diff 0`, { details: { index: i } });
      if (diff < 0) retractions++;
      if (width !== schema.length) throw widthError(collection, i, width, schema.length);
      if (bad >= 0) throw columnError(collection, i, schema[bad]!, KIND_NAMES[badKind]!);
      if (time < last) sorted = false;
      if (time < minTime) minTime = time;
      last = time;
    }
    if (r.pos !== bytes.length) throw new InvalidBatchError(`collection ${collection}: ${bytes.length - r.pos} bytes follow the encoded updates`);
    return { count, sorted, retractions, minTime };
  } catch (err) {
    if (err instanceof Truncated) throw new InvalidBatchError(`collection ${collection}: the encoded updates end inside update ${i}`, { details: { index: i } });
    throw err;
  }
}

function isInteger(kind: Kind, num: number): boolean {
  return (kind === Kind.Int || kind === Kind.Float) && Number.isInteger(num);
}

function notTriple(collection: string, i: number): DefiniteError {
  return new InvalidBatchError(`collection ${collection}: update ${i} is not a [row, time, diff] triple`, { details: { index: i } });
}

function widthError(collection: string, i: number, width: number, columns: number): DefiniteError {
  return new InvalidBatchError(`collection ${collection}: update ${i} has ${width} columns, the schema has ${columns}`, { details: { index: i } });
}

function columnError(collection: string, i: number, col: Column, what: string): DefiniteError {
  return new InvalidBatchError(`collection ${collection}: update ${i}, column "${col.name}" (${col.type}${col.nullable ? '' : ' not null'}) cannot hold ${what}`, {
    details: { index: i, column: col.name },
  });
}

/** The element count of an encoded array and where its first element starts. */
function arrayBody(bytes: Uint8Array): { count: number; start: number } {
  const r = new Reader(bytes);
  const count = r.arrayHeader();
  if (count < 0) throw new Error('not an encoded batch');
  return { count, start: r.pos };
}

/** How many updates `parts` (encoded batches) hold, from their array headers. */
export function updateCount(parts: Uint8Array[]): number {
  return parts.reduce((n, part) => n + arrayBody(part).count, 0);
}

/** One encoded array holding the elements of every encoded array in `parts`, in order. */
export function concatBatches(parts: Uint8Array[]): Uint8Array {
  return joinBodies(
    parts.map((p) => {
      const { count, start } = arrayBody(p);
      return { count, body: p.subarray(start) };
    }),
  );
}

/** The elements of an encoded batch, each a slice of the batch's bytes. */
interface Body {
  count: number;
  body: Uint8Array;
}

/** The size of a msgpack array header for `count` elements. */
export function arrayHeaderSize(count: number): number {
  return count <= 15 ? 1 : count <= 0xffff ? 3 : 5;
}

/** Writes a msgpack array header for `count` elements at the start of `out`; returns its size. */
export function writeArrayHeader(out: Uint8Array, count: number): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const size = arrayHeaderSize(count);
  if (size === 1) out[0] = 0x90 | count;
  else if (size === 3) {
    out[0] = 0xdc;
    view.setUint16(1, count);
  } else {
    out[0] = 0xdd;
    view.setUint32(1, count);
  }
  return size;
}

/** One encoded array of the elements of `bodies`, in order. */
function joinBodies(bodies: Body[]): Uint8Array {
  const count = bodies.reduce((n, b) => n + b.count, 0);
  const size = bodies.reduce((n, b) => n + b.body.length, 0);
  const out = new Uint8Array(arrayHeaderSize(count) + size);
  let at = writeArrayHeader(out, count);
  for (const b of bodies) {
    out.set(b.body, at);
    at += b.body.length;
  }
  return out;
}

/**
 * The updates of a stored batch with `lowerExclusive < time < upperExclusive`, as an encoded batch
 * (the same bytes per update, in the same order), and how many there are. Rows are skipped, not
 * decoded; the batch's bytes are trusted (the shard wrote them).
 */
export function filterByTime(bytes: Uint8Array, lowerExclusive: number, upperExclusive: number): { bytes: Uint8Array; count: number } {
  const r = new Reader(bytes);
  const n = r.arrayHeader();
  if (n < 0) throw new Error('not an encoded batch');
  const kept: Body[] = [];
  let runStart = -1;
  let runCount = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const start = r.pos;
    r.arrayHeader(); // the triple
    r.skip(); // the row
    r.scalar();
    const time = r.num;
    r.skip(); // the diff
    const keep = time > lowerExclusive && time < upperExclusive;
    if (keep && runStart < 0) runStart = start;
    if (!keep && runStart >= 0) {
      kept.push({ count: runCount, body: bytes.subarray(runStart, start) });
      runStart = -1;
      runCount = 0;
    }
    if (keep) {
      runCount++;
      count++;
    }
  }
  if (runStart >= 0) kept.push({ count: runCount, body: bytes.subarray(runStart, r.pos) });
  return { bytes: joinBodies(kept), count };
}

/**
 * Regroups encoded batches into encoded batches of at most `maxBytes` each (a single update larger
 * than that gets a batch of its own), cutting only at update boundaries and keeping the order.
 * Small batches are joined, so a message carries as much as fits.
 */
export function chunkBatches(parts: Uint8Array[], maxBytes: number): Array<{ bytes: Uint8Array; count: number }> {
  return [...chunksOf(parts, maxBytes)];
}

/**
 * The chunks of `chunkBatches`, made one at a time as they are asked for: a reader that works
 * through a large batch chunk by chunk (and lets the event loop run between chunks) holds one
 * chunk's copy at a time, never a second copy of the whole batch.
 */
export function* chunksOf(parts: Uint8Array[], maxBytes: number): Generator<{ bytes: Uint8Array; count: number }> {
  let group: Body[] = [];
  let groupBytes = 0;
  const take = () => {
    const chunk = { bytes: joinBodies(group), count: group.reduce((n, b) => n + b.count, 0) };
    group = [];
    groupBytes = 0;
    return chunk;
  };
  /** Adds a body; returns the full chunk it closes, if any. */
  const add = (b: Body) => {
    const full = group.length > 0 && groupBytes + b.body.length + 5 > maxBytes ? take() : undefined;
    group.push(b);
    groupBytes += b.body.length;
    return full;
  };
  for (const part of parts) {
    const { count, start } = arrayBody(part);
    if (count === 0) continue;
    if (part.length - start + 5 <= maxBytes) {
      const full = add({ count, body: part.subarray(start) });
      if (full) yield full;
      continue;
    }
    // Too large for one chunk: cut it where the next update would not fit.
    const r = new Reader(part);
    r.pos = start;
    let from = start;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const at = r.pos;
      r.skip();
      if (n > 0 && r.pos - from + 5 > maxBytes) {
        const full = add({ count: n, body: part.subarray(from, at) });
        if (full) yield full;
        from = at;
        n = 0;
      }
      n++;
    }
    const full = add({ count: n, body: part.subarray(from, r.pos) });
    if (full) yield full;
  }
  if (group.length > 0) yield take();
}

/**
 * `bytes` copied into the msgpack binary value that holds them (bin 8/16/32 header, then the
 * bytes: what `encode(bytes)` makes), in one allocation. `value` is that msgpack value, `bytes`
 * the copy inside it: a received append is copied once (off the message's buffer, which NATS
 * may reuse) and stored without being copied again.
 */
export function binaryValue(bytes: Uint8Array): { value: Uint8Array; bytes: Uint8Array } {
  const n = bytes.length;
  const header = n <= 0xff ? 2 : n <= 0xffff ? 3 : 5;
  const value = new Uint8Array(header + n);
  const view = new DataView(value.buffer);
  if (header === 2) {
    value[0] = 0xc4;
    value[1] = n;
  } else if (header === 3) {
    value[0] = 0xc5;
    view.setUint16(1, n);
  } else {
    value[0] = 0xc6;
    view.setUint32(1, n);
  }
  value.set(bytes, header);
  return { value, bytes: value.subarray(header) };
}
