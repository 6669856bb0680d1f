/**
 * Stored bytes that are already consolidated, sent as they are. A consolidated subscription's
 * range of times used to be decoded into update objects, consolidated and encoded again (1.4 µs
 * per update, a third of it garbage collection). When the stored updates of the range already are
 * what consolidation gives (times in order, no zero diff, no two updates of the same row and
 * time), their bytes are the answer: `storedAsConsolidated` checks that in one pass over the bytes
 * and cuts them into messages; it returns undefined when they are not, and the caller decodes.
 *
 * Byte equality of rows stands for value equality only for rows in canonical form: the bytes
 * msgpackr writes for the JS values (an integer in [-2^31, 2^32) in its shortest integer form,
 * any other number as a float64 with NaN as 0x7ff8000000000000, a string with its shortest header
 * and valid UTF-8, NULL and booleans). Everything definite writes itself is in that form; a row
 * from another writer in another form (5 as a float64, a str16 of 3 bytes) sends its range down
 * the decoding path, which compares values.
 *
 * `storedAsSnapshot` does the same for a snapshot at a time: when no row occurs twice at or
 * before it, the contents are every stored update with its time written as the snapshot's.
 */
import { encode } from '../../protocol/codec.js';
import { Reader, updateCount } from './encoded-batch.js';
import { RowBytesTable } from './row-bytes-table.js';
import { SLICE_UPDATES, nextTurn } from './slices.js';

/** One message's updates: slices of the stored bytes, in order. */
export interface StoredChunk {
  segments: Uint8Array[];
  count: number;
  /** Bytes of the segments together. */
  size: number;
  /** The time of the chunk's last update. */
  lastTime: number;
}

/**
 * The updates of `parts` (encoded batches in time order) cut into chunks of at most `maxBytes`
 * and `maxUpdates`, if they are consolidated and canonical; otherwise undefined. Awaits `pause`
 * every SLICE_UPDATES updates.
 */
export async function storedAsConsolidated(parts: Uint8Array[], maxBytes: number, maxUpdates: number, pause: () => Promise<void> = nextTurn): Promise<StoredChunk[] | undefined> {
  const chunks: StoredChunk[] = [];
  let chunk: StoredChunk = { segments: [], count: 0, size: 0, lastTime: -Infinity };
  const rows = new RowBytesTable(parts);
  const u = newUpdateAt();
  let lastTime = -Infinity;
  let sinceTurn = 0;
  for (let p = 0; p < parts.length; p++) {
    const bytes = parts[p]!;
    const r = new Reader(bytes);
    const n = r.arrayHeader();
    let segmentStart = r.pos;
    for (let i = 0; i < n; i++) {
      const updateStart = r.pos;
      if (!readUpdate(r, u) || !(u.time >= lastTime)) return undefined;
      if (u.time !== lastTime) rows.clear();
      lastTime = u.time;
      if (!isNew(rows, p, u.rowStart, u.rowEnd)) return undefined;
      const size = r.pos - updateStart;
      if (chunk.count > 0 && (chunk.count >= maxUpdates || chunk.size + size > maxBytes)) {
        if (updateStart > segmentStart) chunk.segments.push(bytes.subarray(segmentStart, updateStart));
        chunks.push(chunk);
        chunk = { segments: [], count: 0, size: 0, lastTime: -Infinity };
        segmentStart = updateStart;
      }
      chunk.count++;
      chunk.size += size;
      chunk.lastTime = u.time;
      if (++sinceTurn >= SLICE_UPDATES) {
        sinceTurn = 0;
        await pause();
      }
    }
    if (r.pos > segmentStart) chunk.segments.push(bytes.subarray(segmentStart, r.pos));
  }
  if (chunk.count > 0) chunks.push(chunk);
  return chunks;
}

/**
 * The contents at `asOf` of `parts` (encoded batches in time order, every time <= asOf) as
 * updates at `asOf`, cut into chunks of at most `maxBytes` and `maxUpdates`, if no row occurs
 * twice (so no update consolidates with another), no diff is zero and every row is canonical;
 * otherwise undefined. The chunks are new bytes (each update's time is written as `asOf`): one
 * copy of the rows, no decoding. Awaits `pause` every SLICE_UPDATES updates.
 */
export async function storedAsSnapshot(parts: Uint8Array[], asOf: number, maxBytes: number, maxUpdates: number, pause: () => Promise<void> = nextTurn): Promise<StoredChunk[] | undefined> {
  const asOfBytes = encode(asOf).slice();
  const chunks: StoredChunk[] = [];
  let out = new Uint8Array(maxBytes);
  let at = 0;
  let count = 0;
  const finish = () => {
    if (count > 0) chunks.push({ segments: [out.subarray(0, at)], count, size: at, lastTime: asOf });
    count = 0;
    at = 0;
  };
  // Never cleared: one entry per update, made big enough for all of them at once.
  const rows = new RowBytesTable(parts, updateCount(parts));
  await rows.prepare(pause);
  const u = newUpdateAt();
  let sinceTurn = 0;
  for (let p = 0; p < parts.length; p++) {
    const bytes = parts[p]!;
    const r = new Reader(bytes);
    const n = r.arrayHeader();
    for (let i = 0; i < n; i++) {
      if (!readUpdate(r, u) || !(u.time <= asOf) || !isNew(rows, p, u.rowStart, u.rowEnd)) return undefined;
      const { rowStart, rowEnd, diffStart } = u;
      const size = 1 + (rowEnd - rowStart) + asOfBytes.length + (r.pos - diffStart);
      if (count >= maxUpdates || at + size > out.length) {
        finish();
        out = new Uint8Array(Math.max(maxBytes, size));
      }
      // Copied byte by byte: a row is a few dozen bytes, and a subarray per copy cost more.
      out[at++] = 0x93;
      for (let k = rowStart; k < rowEnd; k++) out[at++] = bytes[k]!;
      for (let k = 0; k < asOfBytes.length; k++) out[at++] = asOfBytes[k]!;
      for (let k = diffStart; k < r.pos; k++) out[at++] = bytes[k]!;
      count++;
      if (++sinceTurn >= SLICE_UPDATES) {
        sinceTurn = 0;
        await pause();
      }
    }
  }
  finish();
  return chunks;
}

/** Where the update last read lies in its batch, and its time and diff. */
interface UpdateAt {
  rowStart: number;
  rowEnd: number;
  diffStart: number;
  time: number;
  diff: number;
}

const newUpdateAt = (): UpdateAt => ({ rowStart: 0, rowEnd: 0, diffStart: 0, time: 0, diff: 0 });

/**
 * Reads one update (`[row, time, diff]`) into `u`; false if it is not a triple, its row is not
 * canonical, or its diff is zero or not a finite number.
 */
function readUpdate(r: Reader, u: UpdateAt): boolean {
  if (r.bytes[r.pos++] !== 0x93) return false;
  u.rowStart = r.pos;
  if (!skipCanonicalRow(r)) return false;
  u.rowEnd = r.pos;
  r.scalar();
  u.time = r.num;
  u.diffStart = r.pos;
  r.scalar();
  u.diff = r.num;
  return u.diff !== 0 && Number.isFinite(u.diff);
}

/** The canonical NaN's float64 bytes after its 0xcb header. */
const NAN_BYTES = [0x7f, 0xf8, 0, 0, 0, 0, 0, 0];

/**
 * Skips one row (an array of NULL, booleans, numbers and strings) if every value is in canonical
 * form; false (position undefined) if the row is not such an array or a value is not canonical.
 */
function skipCanonicalRow(r: Reader): boolean {
  const bytes = r.bytes;
  const header = bytes[r.pos]!;
  const n = r.arrayHeader();
  if (n < 0 || (header === 0xdc && n < 16) || (header === 0xdd && n < 0x10000)) return false;
  for (let i = 0; i < n; i++) {
    const start = r.pos;
    const b = bytes[start]!;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
      r.pos++;
      continue;
    }
    const isString = (b >= 0xa0 && b <= 0xbf) || b === 0xd9 || b === 0xda || b === 0xdb;
    const isNumber = (b >= 0xcc && b <= 0xd3) || b === 0xca || b === 0xcb;
    if (!isString && !isNumber) return false;
    r.scalar();
    if (isNumber ? !canonicalNumber(bytes, start, b, r.num) : !canonicalString(bytes, start, b, r.pos)) return false;
  }
  return true;
}

/** Whether the number `v` read from header byte `b` at `start` is written as msgpackr writes `v`. */
function canonicalNumber(bytes: Uint8Array, start: number, b: number, v: number): boolean {
  switch (b) {
    case 0xcc:
      return v >= 0x80;
    case 0xcd:
      return v >= 0x100;
    case 0xce:
      return v >= 0x10000;
    case 0xd0:
      return v < -0x20;
    case 0xd1:
      return v < -0x80;
    case 0xd2:
      return v < -0x8000;
    case 0xcb:
      if (v >>> 0 === v || v >> 0 === v) return false; // an integer form (0 and -0 included)
      if (v !== v) for (let i = 0; i < 8; i++) if (bytes[start + 1 + i] !== NAN_BYTES[i]) return false;
      return true;
    default:
      return false; // uint64, int64 and float32: msgpackr writes none of them for a number
  }
}

/** Whether the string from header byte `b` at `start` to `end` has its shortest header and valid UTF-8. */
function canonicalString(bytes: Uint8Array, start: number, b: number, end: number): boolean {
  const headerSize = b <= 0xbf ? 1 : b === 0xd9 ? 2 : b === 0xda ? 3 : 5;
  const length = end - start - headerSize;
  const shortest = length < 0x20 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
  if (headerSize !== shortest) return false;
  for (let i = start + headerSize; i < end; i++) {
    if (bytes[i]! >= 0x80) {
      // Not ASCII: valid UTF-8 exactly when decoding and encoding again gives the same bytes.
      const text = Buffer.from(bytes.buffer, bytes.byteOffset + start + headerSize, length);
      return Buffer.from(text.toString('utf8'), 'utf8').equals(text);
    }
  }
  return true;
}

/** Adds the row to `rows` (which holds one time's rows, or a snapshot's); false if it was there. */
function isNew(rows: RowBytesTable, part: number, start: number, end: number): boolean {
  const before = rows.count;
  rows.entry(part, start, end, 0);
  return rows.count > before;
}
