/**
 * Updates as msgpack bytes, as a subscription opened with `consolidated: false` delivers them
 * (SubscribeEncodedBatch): each message's binary is the msgpack encoding of an array of
 * `[row, time, diff]`. `DecodedUpdates.append` decodes such bytes straight into parallel arrays
 * (no update triples), applying the subscription's reading rules: times <= `asOf` are read as
 * `asOf` (the snapshot), times <= `after` are dropped (already delivered). A client decodes each
 * message as it arrives, so decoding a large snapshot overlaps with its transfer.
 *
 * The decoder checks structure only: each update a triple, the row an array of scalar values
 * (nil, boolean, number, string) or one-dimensional arrays of them (array columns), the time a non-negative integer, the diff a non-zero integer.
 * Rows are not checked against the collection's schema: STORAGE checked every row on append
 * (protocol/storage/README.md, Append), and these are the bytes it stored. Anything else is a
 * MalformedMessageError naming the update, never a crash and never a partly wrong row (a part
 * that fails adds nothing).
 */
import { MalformedMessageError, type DefiniteError } from '../errors.js';
import type { Row, Update, Value } from '../types.js';

/** Receives one decoded update. */
export type UpdateVisitor = (row: Row, time: number, diff: number) => void;

/** Updates that need not be consolidated, decoded from encoded parts, in parallel arrays. */
export class DecodedUpdates {
  readonly rows: Row[] = [];
  readonly times: number[] = [];
  readonly diffs: number[] = [];

  get length(): number {
    return this.rows.length;
  }

  /**
   * Decodes one part (the msgpack bytes of an update array) and adds its updates, times <= asOf
   * read as asOf, times <= after left out. Throws MalformedMessageError and then adds nothing.
   */
  append(bytes: Uint8Array, asOf: number, after = -1): this {
    const n = this.rows.length;
    try {
      decodeUpdates(bytes, asOf, after, this.rows, this.times, this.diffs);
    } catch (err) {
      this.rows.length = n;
      this.times.length = n;
      this.diffs.length = n;
      throw err;
    }
    return this;
  }

  /** Calls `visit` for every update; returns how many. */
  forEach(visit: UpdateVisitor): number {
    const { rows, times, diffs } = this;
    for (let i = 0; i < rows.length; i++) visit(rows[i]!, times[i]!, diffs[i]!);
    return rows.length;
  }

  /** The updates as triples. */
  toArray(): Update[] {
    return this.rows.map((row, i): Update => [row, this.times[i]!, this.diffs[i]!]);
  }
}

const utf8 = new TextDecoder();

/** A decoding position in one part. */
class Cursor {
  p = 0;
  readonly v: DataView;
  constructor(readonly b: Uint8Array) {
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  need(n: number): void {
    if (this.p + n > this.b.length) throw new Truncated();
  }

  /** An array header's length, or -1 (consuming nothing) if the next value is not an array. */
  array(): number {
    this.need(1);
    const t = this.b[this.p]!;
    if (t >= 0x90 && t <= 0x9f) {
      this.p++;
      return t & 0x0f;
    }
    if (t === 0xdc) {
      this.need(3);
      const n = this.v.getUint16(this.p + 1);
      this.p += 3;
      return n;
    }
    if (t === 0xdd) {
      this.need(5);
      const n = this.v.getUint32(this.p + 1);
      this.p += 5;
      return n;
    }
    return -1;
  }

  /** A one-dimensional array column value: its elements scalars (undefined for anything else). */
  private arrayValue(): Value | undefined {
    const n = this.array();
    const out: Array<Exclude<Value, unknown[]>> = new Array(n);
    for (let i = 0; i < n; i++) {
      this.need(1);
      const t = this.b[this.p]!;
      if ((t >= 0x90 && t <= 0x9f) || t === 0xdc || t === 0xdd) return undefined; // arrays are one-dimensional
      const e = this.value();
      if (e === undefined || Array.isArray(e)) return undefined;
      out[i] = e;
    }
    return out;
  }

  /** A number (integer or float), or NaN (consuming nothing) if the next value is not one. */
  number(): number {
    this.need(1);
    const p = this.p;
    const t = this.b[p]!;
    if (t <= 0x7f) {
      this.p = p + 1;
      return t;
    }
    if (t >= 0xe0) {
      this.p = p + 1;
      return t - 0x100;
    }
    const v = this.v;
    switch (t) {
      case 0xcc:
        this.need(2);
        this.p = p + 2;
        return v.getUint8(p + 1);
      case 0xcd:
        this.need(3);
        this.p = p + 3;
        return v.getUint16(p + 1);
      case 0xce:
        this.need(5);
        this.p = p + 5;
        return v.getUint32(p + 1);
      case 0xcf:
        this.need(9);
        this.p = p + 9;
        return Number(v.getBigUint64(p + 1));
      case 0xd0:
        this.need(2);
        this.p = p + 2;
        return v.getInt8(p + 1);
      case 0xd1:
        this.need(3);
        this.p = p + 3;
        return v.getInt16(p + 1);
      case 0xd2:
        this.need(5);
        this.p = p + 5;
        return v.getInt32(p + 1);
      case 0xd3:
        this.need(9);
        this.p = p + 9;
        return Number(v.getBigInt64(p + 1));
      case 0xca:
        this.need(5);
        this.p = p + 5;
        return v.getFloat32(p + 1);
      case 0xcb:
        this.need(9);
        this.p = p + 9;
        return v.getFloat64(p + 1);
      default:
        return NaN;
    }
  }

  /** One scalar column value; `undefined` (consuming nothing) for anything else. */
  value(): Value | undefined {
    this.need(1);
    const t = this.b[this.p]!;
    if (t >= 0xa0 && t <= 0xbf) return this.string(1, t & 0x1f);
    if ((t >= 0x90 && t <= 0x9f) || t === 0xdc || t === 0xdd) return this.arrayValue();
    switch (t) {
      case 0xc0:
        this.p++;
        return null;
      case 0xc2:
        this.p++;
        return false;
      case 0xc3:
        this.p++;
        return true;
      case 0xd9:
        this.need(2);
        return this.string(2, this.b[this.p + 1]!);
      case 0xda:
        this.need(3);
        return this.string(3, this.v.getUint16(this.p + 1));
      case 0xdb:
        this.need(5);
        return this.string(5, this.v.getUint32(this.p + 1));
      default: {
        const n = this.number();
        // NaN itself is a valid float column value: tell it from "not a number" by the type byte.
        return n === n || t === 0xca || t === 0xcb ? n : undefined;
      }
    }
  }

  private string(header: number, length: number): string {
    this.need(header + length);
    const start = this.p + header;
    const end = start + length;
    this.p = end;
    const b = this.b;
    if (length <= 24) {
      // Short ASCII strings (most keys and names) without a TextDecoder call.
      let ascii = true;
      for (let i = start; i < end; i++) {
        if (b[i]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
    }
    return utf8.decode(b.subarray(start, end));
  }
}

class Truncated extends Error {}

function malformed(i: number, what: string): DefiniteError {
  return new MalformedMessageError(`encoded updates: update ${i} ${what}`, { details: { index: i } });
}

/** Decodes one part onto the ends of `rows`, `times` and `diffs`. */
function decodeUpdates(bytes: Uint8Array, asOf: number, after: number, rows: Row[], times: number[], diffs: number[]): void {
  const c = new Cursor(bytes);
  let i = 0;
  try {
    const count = c.array();
    if (count < 0) throw new MalformedMessageError('encoded updates: not a msgpack array');
    for (; i < count; i++) {
      if (c.array() !== 3) throw malformed(i, 'is not a [row, time, diff] triple');
      const width = c.array();
      if (width < 0) throw malformed(i, 'has a row that is not an array');
      const row: Value[] = new Array<Value>(width);
      for (let k = 0; k < width; k++) {
        const v = c.value();
        if (v === undefined) throw malformed(i, `has a non-scalar value in column ${k}`);
        row[k] = v;
      }
      const time = c.number();
      if (!Number.isInteger(time) || time < 0) throw malformed(i, 'has a time that is not a non-negative integer');
      const diff = c.number();
      if (!Number.isInteger(diff) || diff === 0) throw malformed(i, 'has a diff that is not a non-zero integer');
      if (time <= after) continue;
      rows.push(row);
      times.push(time < asOf ? asOf : time);
      diffs.push(diff);
    }
    if (c.p !== bytes.length) throw new MalformedMessageError(`encoded updates: ${bytes.length - c.p} bytes follow the update array`);
  } catch (err) {
    if (err instanceof Truncated) throw malformed(i, 'is cut short (the bytes end inside it)');
    throw err;
  }
}
