/**
 * Large batches worked through in slices, so the storage host's event loop is never held for long:
 * it keeps serving appends, reads and heartbeats while a merge or a read of millions of updates
 * runs. One synchronous decode-consolidate-encode of a compacting merge held the host's event loop
 * for 13.7 s at 3M updates (docs/storage.md, "Work in slices").
 *
 * - `slicesOf` yields encoded batches of at most SLICE_BYTES: a part that fits is yielded as it
 *   is (no copy), a larger one is cut at update boundaries (`chunksOf`, one slice's copy at a
 *   time).
 * - `compactBatches` is a compacting merge's consolidation, on bytes: rows are never decoded or
 *   copied. A `RowBytesTable` over the run's values sums each (row bytes, time) pair's diffs (times
 *   below `since` read as `since`); the result is written straight into one buffer. Rows that
 *   are equal only as values, not as bytes (one written as the integer 5, another as the float
 *   5.0), are not summed: the batch is still correct (readers consolidate by value), only less
 *   compacted. Memory is about 50 bytes of typed arrays per distinct (row, time) of the run, and
 *   no object per row (a Map keyed by latin1 strings of the row bytes, before, cost about 100
 *   bytes and a string each, and its rehash of millions of entries stalled the loop for 0.3 s).
 *
 * Callers await `pause` between slices (never before the first, so a small read pays nothing).
 */
import { encode } from '../../protocol/codec.js';
import { Reader, arrayHeaderSize, chunksOf, updateCount, writeArrayHeader } from './encoded-batch.js';
import { RowBytesTable } from './row-bytes-table.js';

/** About 20,000 updates of a few columns: a few milliseconds of work. */
export const SLICE_BYTES = 512 * 1024;
export const SLICE_UPDATES = 20_000;

/** Lets other work run: the next macrotask turn (after pending I/O callbacks). */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The updates of `parts` (encoded batches), in order, as encoded batches of at most `sliceBytes`. */
export function* slicesOf(parts: Uint8Array[], sliceBytes = SLICE_BYTES): Generator<Uint8Array> {
  for (const part of parts) {
    if (part.length <= sliceBytes) yield part;
    else for (const chunk of chunksOf([part], sliceBytes)) yield chunk.bytes;
  }
}

export interface SliceOptions {
  /** Awaited between slices; may throw to abandon the work (the shard's incarnation died). */
  pause?: () => Promise<void>;
  sliceBytes?: number;
  sliceUpdates?: number;
}

/**
 * The updates of `parts` (encoded batches in time order) with times below `since` advanced to
 * `since`, consolidated, in time order: encoded, with their count and how many retract. Awaits
 * `pause` after every `sliceBytes` of input or `sliceUpdates` updates, and between slices of the
 * output.
 */
export async function compactBatches(parts: Uint8Array[], since: number, options: SliceOptions = {}): Promise<{ bytes: Uint8Array; count: number; retractions: number }> {
  const pause = options.pause ?? nextTurn;
  const sliceUpdates = options.sliceUpdates ?? SLICE_UPDATES;
  const sliceBytes = options.sliceBytes ?? SLICE_BYTES;
  // (row bytes, time) -> summed diff, every time below since read as since.
  const table = new RowBytesTable(parts, updateCount(parts));
  await table.prepare(pause);
  let updates = 0;
  let bytesWalked = 0;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    const r = new Reader(part);
    const n = r.arrayHeader();
    if (n < 0) throw new Error('not an encoded batch');
    let from = r.pos;
    for (let i = 0; i < n; i++) {
      if (r.arrayHeader() !== 3) throw new Error(`update ${i} of a stored batch is not a triple`);
      const rowStart = r.pos;
      r.skip();
      const rowEnd = r.pos;
      r.scalar();
      const time = r.num;
      r.scalar();
      table.add(p, rowStart, rowEnd, time <= since ? since : time, r.num);
      if (++updates >= sliceUpdates || bytesWalked + (r.pos - from) >= sliceBytes) {
        updates = 0;
        bytesWalked = 0;
        from = r.pos;
        await pause();
      }
    }
    bytesWalked += r.pos - from;
  }
  // The result in time order: rows at since in the order first seen, then the later ones by
  // time. The input is in time order, so the later ones, in the order first seen, are too (a sort
  // of a million entries held the loop for tens of milliseconds); sorted only if not.
  const live: number[] = [];
  const later: number[] = [];
  let sorted = true;
  for (let e = 0; e < table.count; e++) {
    if (e > 0 && e % sliceUpdates === 0) await pause();
    if (table.sumOf(e) === 0) continue;
    if (table.timeOf(e) === since) live.push(e);
    else {
      if (later.length > 0 && table.timeOf(e) < table.timeOf(later[later.length - 1]!)) sorted = false;
      later.push(e);
    }
  }
  if (!sorted) later.sort((a, b) => table.timeOf(a) - table.timeOf(b) || a - b);
  for (const e of later) live.push(e);
  await pause();
  // Written once, into one buffer: sizes first.
  const encoded = new Map<number, Uint8Array>();
  const bytesOf = (n: number) => encoded.get(n) ?? encoded.set(n, encode(n).slice()).get(n)!;
  let size = 0;
  let retractions = 0;
  for (let i = 0; i < live.length; i++) {
    if (i > 0 && i % sliceUpdates === 0) await pause();
    const e = live[i]!;
    if (table.sumOf(e) < 0) retractions++;
    size += 1 + table.rowLength(e) + bytesOf(table.timeOf(e)).length + bytesOf(table.sumOf(e)).length;
  }
  // Not zero-filled: every byte is written below (zero-filling tens of MB held the loop).
  const buf = Buffer.allocUnsafe(arrayHeaderSize(live.length) + size);
  let at = writeArrayHeader(buf, live.length);
  for (let i = 0; i < live.length; i++) {
    if (i > 0 && i % sliceUpdates === 0) await pause();
    const e = live[i]!;
    buf[at++] = 0x93;
    at = table.copyRow(e, buf, at);
    const t = bytesOf(table.timeOf(e));
    buf.set(t, at);
    at += t.length;
    const d = bytesOf(table.sumOf(e));
    buf.set(d, at);
    at += d.length;
  }
  return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), count: live.length, retractions };
}
