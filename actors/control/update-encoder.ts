/**
 * Table updates `[row, ts, diff]` encoded as msgpack while their rows are produced (COPY FROM
 * STDIN parses straight into it), before the commit timestamp is known: each update's time is
 * written as a float64 placeholder and patched when the group commit chooses `ts`. The bytes are
 * those `encode(updates)` (protocol/codec.ts, msgpackr) writes for the same updates, cut into
 * parts of about PART_BYTES (each part a msgpack array of whole updates), ready for StageBatch /
 * Append: no row objects are kept and nothing is encoded twice.
 */
import { decode, encode } from '../../protocol/codec.js';
import type { Row, Update, Value } from '../../protocol/types.js';

/** The encoded size of one part (well below the NATS payload limit of 4 MiB or more). */
export const PART_BYTES = 1024 * 1024;
/** Room for the largest array header (0xdd + uint32) before a part's updates. */
const HEADER = 5;

interface Part {
  buf: Buffer;
  /** End of the part's updates in `buf`. */
  end: number;
  count: number;
  /** Offsets of each update's 9-byte time (0xcb + float64). */
  times: number[];
}

export class UpdateEncoder {
  private readonly done: Part[] = [];
  private buf = Buffer.allocUnsafe(PART_BYTES + 64 * 1024);
  private pos = HEADER;
  private count = 0;
  private times: number[] = [];
  private patched = false;
  /** Updates encoded. */
  rows = 0;
  /** Bytes of updates encoded (headers not counted). */
  bytes = 0;

  /** Makes room for `n` more bytes of the current part. */
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  /** Starts an update whose row has `width` values (then one call per value, then endRow). */
  beginRow(width: number): void {
    if (this.patched) throw new Error('UpdateEncoder: rows added after the parts were taken');
    this.ensure(4);
    this.buf[this.pos++] = 0x93;
    this.arrayHeader(width);
  }

  private arrayHeader(n: number): void {
    const b = this.buf;
    if (n < 0x10) b[this.pos++] = 0x90 | n;
    else if (n < 0x10000) {
      b[this.pos] = 0xdc;
      b.writeUInt16BE(n, this.pos + 1);
      this.pos += 3;
    } else {
      b[this.pos] = 0xdd;
      b.writeUInt32BE(n, this.pos + 1);
      this.pos += 5;
    }
  }

  /** Ends the update: the time placeholder and `diff` (+1 / -1). */
  endRow(diff: number): void {
    this.ensure(10);
    const b = this.buf;
    this.times.push(this.pos);
    b[this.pos] = 0xcb;
    this.pos += 9;
    b[this.pos++] = diff & 0xff; // fixint: 1 is 0x01, -1 is 0xff
    this.count++;
    this.rows++;
    if (this.pos - HEADER >= PART_BYTES) this.seal();
  }

  /** A whole update of `row`. */
  row(row: Row, diff: number): void {
    this.beginRow(row.length);
    for (const v of row) this.value(v);
    this.endRow(diff);
  }

  nil(): void {
    this.ensure(1);
    this.buf[this.pos++] = 0xc0;
  }

  /** A number as msgpackr writes it: 32-bit integers in the smallest form, anything else float64. */
  number(v: number): void {
    this.ensure(9);
    const b = this.buf;
    let p = this.pos;
    if (v >>> 0 === v) {
      if (v < 0x80) b[p++] = v;
      else if (v < 0x100) {
        b[p++] = 0xcc;
        b[p++] = v;
      } else if (v < 0x10000) {
        b[p++] = 0xcd;
        b[p++] = v >> 8;
        b[p++] = v & 0xff;
      } else {
        b[p++] = 0xce;
        b.writeUInt32BE(v, p);
        p += 4;
      }
    } else if (v >> 0 === v) {
      if (v >= -0x20) b[p++] = v & 0xff;
      else if (v >= -0x80) {
        b[p++] = 0xd0;
        b[p++] = v & 0xff;
      } else if (v >= -0x8000) {
        b[p++] = 0xd1;
        b.writeInt16BE(v, p);
        p += 2;
      } else {
        b[p++] = 0xd2;
        b.writeInt32BE(v, p);
        p += 4;
      }
    } else {
      b[p++] = 0xcb;
      b.writeDoubleBE(v, p);
      p += 8;
    }
    this.pos = p;
  }

  private strHeader(len: number): void {
    const b = this.buf;
    if (len < 0x20) b[this.pos++] = 0xa0 | len;
    else if (len < 0x100) {
      b[this.pos++] = 0xd9;
      b[this.pos++] = len;
    } else if (len < 0x10000) {
      b[this.pos] = 0xda;
      b.writeUInt16BE(len, this.pos + 1);
      this.pos += 3;
    } else {
      b[this.pos] = 0xdb;
      b.writeUInt32BE(len, this.pos + 1);
      this.pos += 5;
    }
  }

  string(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.ensure(5 + len);
    this.strHeader(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }

  /** A string given as bytes `from[start, end)` known to be its UTF-8 (e.g. ASCII). */
  utf8(from: Uint8Array, start: number, end: number): void {
    const len = end - start;
    this.ensure(5 + len);
    this.strHeader(len);
    const b = this.buf;
    let p = this.pos;
    // Short strings byte by byte: cheaper than a view for a native copy.
    if (len < 64) for (let i = start; i < end; i++) b[p++] = from[i]!;
    else {
      b.set(from.subarray(start, end), p);
      p += len;
    }
    this.pos = p;
  }

  /** Any value of a row, as `encode` writes it inside the row's array. */
  value(v: Value): void {
    if (v === null) this.nil();
    else if (typeof v === 'number') this.number(v);
    else if (typeof v === 'string') this.string(v);
    else if (v === true || v === false) {
      this.ensure(1);
      this.buf[this.pos++] = v ? 0xc3 : 0xc2;
    } else {
      const bytes = encode(v);
      this.ensure(bytes.length);
      this.buf.set(bytes, this.pos);
      this.pos += bytes.length;
    }
  }

  /** Ends the current part (when it holds updates). */
  private seal(): void {
    if (this.count === 0) return;
    this.done.push({ buf: this.buf, end: this.pos, count: this.count, times: this.times });
    this.bytes += this.pos - HEADER;
    this.buf = Buffer.allocUnsafe(PART_BYTES + 64 * 1024);
    this.pos = HEADER;
    this.count = 0;
    this.times = [];
  }

  /**
   * The parts, each the msgpack array of its updates, with every time set to `ts` (once: the
   * encoder takes no rows after this). No parts when no rows were added.
   */
  parts(ts: number): Uint8Array[] {
    if (!this.patched) {
      this.seal();
      this.patched = true;
    }
    const out: Uint8Array[] = [];
    for (const part of this.done) {
      const { buf, times } = part;
      for (let i = 0; i < times.length; i++) buf.writeDoubleBE(ts, times[i]! + 1);
      let start: number;
      if (part.count < 0x10) {
        start = HEADER - 1;
        buf[start] = 0x90 | part.count;
      } else if (part.count < 0x10000) {
        start = HEADER - 3;
        buf[start] = 0xdc;
        buf.writeUInt16BE(part.count, start + 1);
      } else {
        start = 0;
        buf[0] = 0xdd;
        buf.writeUInt32BE(part.count, 1);
      }
      out.push(buf.subarray(start, part.end));
    }
    return out;
  }

  /** Bytes held so far (for a size limit while rows are added). */
  get size(): number {
    return this.bytes + this.pos - HEADER;
  }
}

/**
 * The rows of `encoder` with their diffs, decoded (a COPY in a transaction block, or sent to a
 * coordinator in another process). Takes its parts: the encoder is not committed afterwards.
 */
export function decodedRows(encoder: UpdateEncoder): Array<[Row, number]> {
  const out: Array<[Row, number]> = [];
  for (const part of encoder.parts(0)) for (const [row, , diff] of decode(part) as Update[]) out.push([row, diff]);
  return out;
}

/** `writes` with the decoded rows of `encoded` added (a new map). */
export function withDecodedRows(writes: Map<string, Array<[Row, number]>>, encoded: Map<string, UpdateEncoder>): Map<string, Array<[Row, number]>> {
  const out = new Map(writes);
  for (const [table, enc] of encoded) out.set(table, [...(out.get(table) ?? []), ...decodedRows(enc)]);
  return out;
}
