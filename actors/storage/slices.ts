/**
 * Large batches worked through in slices, so the storage host's event loop is never held for long:
 * it keeps serving appends, reads and heartbeats while a merge or a read of millions of updates
 * runs. One synchronous decode-consolidate-encode of a compacting merge held the host's event loop
 * for 13.7 s at 3M updates (docs/storage.md, "Work in slices").
 *
 * - `slicesOf` yields encoded batches of at most SLICE_BYTES: a part that fits is yielded as it
 *   is (no copy), a larger one is cut at update boundaries (`chunksOf`, one slice's copy at a
 *   time).
 * - `compactBatches` is a compacting merge's consolidation, on bytes: rows are never decoded. Each
 *   update's row bytes (a latin1 string of them) are the key its diffs are summed under, per time
 *   (times below `since` read as `since`); the result is written straight into one buffer. Rows
 *   that are equal only as values, not as bytes (one written as the integer 5, another as the
 *   float 5.0), are not summed: the batch is still correct (readers consolidate by value), only
 *   less compacted. Memory is one string and one map entry per distinct (row, time) of the run.
 *
 * Callers await `pause` between slices (never before the first, so a small read pays nothing).
 */
import { encode } from '../../protocol/codec.js';
import { arrayHeaderSize, chunksOf, forEachUpdate, writeArrayHeader } from './encoded-batch.js';

/** About 20,000 updates of a few columns: a few milliseconds of work. */
export const SLICE_BYTES = 512 * 1024;
export const SLICE_UPDATES = 20_000;
/**
 * Rows of one time are summed in this many maps, picked by a hash of the row bytes: a map of
 * millions of entries grows by rehashing all of them at once (a 0.3-0.5 s stall at 1.7M rows).
 */
const PARTITIONS = 256;

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
 * `since`, consolidated, in time order: encoded, with their count and how many retract.
 */
export async function compactBatches(parts: Uint8Array[], since: number, options: SliceOptions = {}): Promise<{ bytes: Uint8Array; count: number; retractions: number }> {
  const pause = options.pause ?? nextTurn;
  const sliceUpdates = options.sliceUpdates ?? SLICE_UPDATES;
  // Row bytes (latin1) -> summed diff, for updates at `since` (every time below it included),
  // and row bytes + "@" + time for later times: a row's bytes are one whole msgpack array, so a
  // key with a suffix never equals another row's key. Each kind in PARTITIONS maps by row hash.
  const atSince = partitions();
  const later = partitions();
  for (const slice of slicesOf(parts, options.sliceBytes)) {
    const text = Buffer.from(slice.buffer, slice.byteOffset, slice.byteLength);
    forEachUpdate(slice, (rowStart, rowEnd, time, diff) => {
      let h = 0x811c9dc5;
      for (let i = rowStart; i < rowEnd; i++) h = Math.imul(h ^ slice[i]!, 0x01000193);
      const row = text.toString('latin1', rowStart, rowEnd);
      const partition = (h >>> 0) % PARTITIONS;
      const map = time <= since ? atSince[partition]! : later[partition]!;
      const key = time <= since ? row : `${row}@${time}`;
      map.set(key, (map.get(key) ?? 0) + diff);
    });
    await pause();
  }
  // The result in time order: rows at since in any order, then the later ones sorted by time.
  const tail: Array<{ row: string; time: number; diff: number }> = [];
  for (const map of later) {
    for (const [key, diff] of map) {
      const at = key.lastIndexOf('@');
      if (diff !== 0) tail.push({ row: key.slice(0, at), time: Number(key.slice(at + 1)), diff });
    }
  }
  tail.sort((a, b) => a.time - b.time);
  await pause();
  // Written once, into one buffer: sizes first.
  const encoded = new Map<number, Uint8Array>();
  const bytesOf = (n: number) => encoded.get(n) ?? encoded.set(n, encode(n).slice()).get(n)!;
  const sinceBytes = bytesOf(since).length;
  let count = 0;
  let size = 0;
  let retractions = 0;
  const counted = (row: string, time: number, diff: number) => {
    count++;
    if (diff < 0) retractions++;
    size += 1 + row.length + (time === since ? sinceBytes : bytesOf(time).length) + bytesOf(diff).length;
  };
  for (const map of atSince) {
    for (const [row, diff] of map) if (diff !== 0) counted(row, since, diff);
    await pause();
  }
  for (const u of tail) counted(u.row, u.time, u.diff);
  const buf = Buffer.allocUnsafe(arrayHeaderSize(count) + size);
  let p = writeArrayHeader(buf, count);
  const write = (row: string, time: number, diff: number) => {
    buf[p++] = 0x93;
    p += buf.write(row, p, 'latin1');
    const t = bytesOf(time);
    buf.set(t, p);
    p += t.length;
    const d = bytesOf(diff);
    buf.set(d, p);
    p += d.length;
  };
  for (const map of atSince) {
    for (const [row, diff] of map) if (diff !== 0) write(row, since, diff);
    await pause();
  }
  for (let i = 0; i < tail.length; i++) {
    if (i > 0 && i % sliceUpdates === 0) await pause();
    write(tail[i]!.row, tail[i]!.time, tail[i]!.diff);
  }
  return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), count, retractions };
}

function partitions(): Array<Map<string, number>> {
  return Array.from({ length: PARTITIONS }, () => new Map<string, number>());
}
