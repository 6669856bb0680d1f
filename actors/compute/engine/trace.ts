/**
 * A trace: a consolidated collection with its history back to `since`, as the dataflow's output
 * index keeps it for peeks. Each distinct row has an entry holding its multiplicity folded up to
 * `since` (`base`) and the changes after it as (time, diff) pairs in time order. Changes arrive one
 * time at a time in increasing order (`add` then `finish(time)`); `finish` returns that time's
 * consolidated changes. `compact(since)` folds the history at or before `since` into `base` and
 * drops rows whose multiplicity is zero, visiting only the entries changed at those times (kept in
 * a per-time list), so compaction costs what was changed, and memory is proportional to the live
 * rows plus the history after `since`.
 *
 * Layout: entries are slots in parallel arrays (typed arrays for the numbers), found through a
 * chained hash table of slot numbers (`buckets`, `next`), so a row costs no object and no Map
 * entry of its own: hydrating a million rows used to make a million `Entry` objects and Map slots,
 * and garbage collection (copying them all out of the young generation) was ~40% of the time.
 * A dropped row's slot is reused by a later row. A large batch of changes (`addAll`, a hydration)
 * is first partitioned by bucket (one counting-sort pass), so the table is visited nearly in order
 * instead of at random: at a million rows, random bucket reads were cache misses costing more
 * than everything else the trace does.
 *
 * With `keys` (an index's key columns), every entry is also chained by the hash of its key values
 * (`keyBuckets`, `keyNext`), so `lookupAt` finds the rows with given key values without reading
 * the others (a point query on an index).
 */
import type { Row } from '../../../protocol/types.js';
import { rowsEqual } from '../../../protocol/compute/row.js';
import { hashColumns, hashRow, keyMatches } from '../../../protocol/row-hash.js';

const TOUCHED = 1;
const DEAD = 2;
const NONE = -1;
/** Changes added at once from which `addAll` partitions them by bucket first. */
const PARTITION_AT = 1 << 15;
/** log2 of the number of partitions: 2048 partitions, each a few KB of the bucket table. */
const PARTITION_BITS = 11;

export class Trace {
  // ---- entries, by slot ----
  private rows: Array<Row | undefined> = [];
  private hashes = new Int32Array(16);
  /** The next slot in the same bucket, or NONE. */
  private next = new Int32Array(16);
  private base = new Float64Array(16);
  /** The change at the time being processed. */
  private pending = new Float64Array(16);
  private flags = new Uint8Array(16);
  /** History after since: [t0, d0, t1, d1, ...] in time order; null when empty. */
  private hist: Array<number[] | null> = [];
  /** Slots in use or freed (the high-water mark). */
  private slots = 0;
  private free: number[] = [];

  // ---- the hash table: bucket -> first slot ----
  private buckets = new Int32Array(16).fill(NONE);

  // ---- the key table (only with `keys`): key bucket -> first slot, and each slot's next ----
  private keyBuckets: Int32Array | undefined;
  private keyHashes = new Int32Array(16);
  private keyNext = new Int32Array(16);

  private touched: number[] = [];
  /** Per processed time after since: the slots that got history at it. */
  private timeline: Array<{ time: number; entries: number[] }> = [];
  private since: number;
  private rowCount = 0;
  private historyRecords = 0;

  constructor(
    since: number,
    /** Key columns to look rows up by (`lookupAt`); none: no key table. */
    private readonly keys?: readonly number[],
  ) {
    this.since = since;
    if (keys && keys.length > 0) this.keyBuckets = new Int32Array(16).fill(NONE);
  }

  /** Adds a change at the time being processed. */
  add(row: Row, diff: number): void {
    this.addHashed(row, hashRow(row), diff);
  }

  private addHashed(row: Row, h: number, diff: number): void {
    const bucket = h & (this.buckets.length - 1);
    let e = this.buckets[bucket]!;
    while (e !== NONE && !(this.hashes[e] === h && rowsEqual(this.rows[e]!, row))) e = this.next[e]!;
    if (e === NONE) e = this.insert(row, h);
    this.pending[e]! += diff;
    if ((this.flags[e]! & TOUCHED) === 0) {
      this.flags[e]! |= TOUCHED;
      this.touched.push(e);
    }
  }

  /** Adds changes at the time being processed: `rows[i]` changes by `diffs[i]`. */
  addAll(rows: readonly Row[], diffs: readonly number[]): void {
    const n = rows.length;
    if (n < PARTITION_AT) {
      for (let i = 0; i < n; i++) this.add(rows[i]!, diffs[i]!);
      return;
    }
    // Room for every row up front: the table is not rehashed (and reordered) midway, and the
    // slot arrays grow once, not a dozen times.
    while (this.rowCount + n > this.buckets.length * 0.75) this.rehash(this.buckets.length * 2);
    this.growSlots(this.slots + n);
    const mask = this.buckets.length - 1;
    const shift = Math.max(0, Math.log2(this.buckets.length) - PARTITION_BITS);
    const hashes = new Int32Array(n);
    const counts = new Int32Array((1 << PARTITION_BITS) + 1);
    for (let i = 0; i < n; i++) {
      const h = hashRow(rows[i]!);
      hashes[i] = h;
      counts[((h & mask) >>> shift) + 1]!++;
    }
    for (let p = 1; p < counts.length; p++) counts[p]! += counts[p - 1]!;
    // Rows, hashes and diffs in bucket-partition order (each partition keeps the input order).
    const byRow: Row[] = new Array<Row>(n);
    const byHash = new Int32Array(n);
    const byDiff = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const at = counts[(hashes[i]! & mask) >>> shift]!++;
      byRow[at] = rows[i]!;
      byHash[at] = hashes[i]!;
      byDiff[at] = diffs[i]!;
    }
    for (let k = 0; k < n; k++) this.addHashed(byRow[k]!, byHash[k]!, byDiff[k]!);
  }

  /** Ends `time` (later than every earlier one); calls `emit` with each row's net change. */
  finish(time: number, emit: (row: Row, diff: number) => void): void {
    if (this.touched.length === 0) return;
    const changed: number[] = [];
    const { pending, base, flags, hist, rows } = this;
    for (const e of this.touched) {
      flags[e]! &= ~TOUCHED;
      const d = pending[e]!;
      pending[e] = 0;
      if (d !== 0) {
        emit(rows[e]!, d);
        if (time <= this.since) base[e]! += d;
        else {
          const h = hist[e];
          if (h === null || h === undefined) hist[e] = [time, d];
          else h.push(time, d);
          this.historyRecords++;
          changed.push(e);
        }
      }
      if (base[e] === 0 && hist[e] === null) this.remove(e);
    }
    this.touched = [];
    if (changed.length > 0) this.timeline.push({ time, entries: changed });
  }

  /** The rows with a non-zero multiplicity at `t` (t >= since). */
  contentsAt(t: number): Array<[Row, number]> {
    const out: Array<[Row, number]> = [];
    for (let e = 0; e < this.slots; e++) {
      if (this.flags[e]! & DEAD) continue;
      const c = this.countAt(e, t);
      if (c !== 0) out.push([this.rows[e]!, c]);
    }
    return out;
  }

  /**
   * The rows with a non-zero multiplicity at `t` whose key columns equal one of `keys` (each in the
   * order of the trace's key columns; `===` per value, as SQL's `=` on equal types). Only for a
   * trace made with key columns.
   */
  lookupAt(keys: readonly Row[], t: number): Array<[Row, number]> {
    const buckets = this.keyBuckets;
    const cols = this.keys;
    if (!buckets || !cols) throw new Error('lookupAt: this trace has no key columns');
    const out: Array<[Row, number]> = [];
    const mask = buckets.length - 1;
    const seen = new Set<number>();
    for (const key of keys) {
      if (key.length !== cols.length) continue;
      const kh = hashRow(key);
      for (let e = buckets[kh & mask]!; e !== NONE; e = this.keyNext[e]!) {
        if (this.keyHashes[e] !== kh || this.flags[e]! & DEAD || seen.has(e) || !keyMatches(key, this.rows[e]!, cols)) continue;
        seen.add(e);
        const c = this.countAt(e, t);
        if (c !== 0) out.push([this.rows[e]!, c]);
      }
    }
    return out;
  }

  /** True when some row has a non-zero multiplicity at `t`. */
  nonEmptyAt(t: number): boolean {
    for (let e = 0; e < this.slots; e++) if ((this.flags[e]! & DEAD) === 0 && this.countAt(e, t) !== 0) return true;
    return false;
  }

  /** Folds history at or before `since` into each row's base; drops rows that are zero. */
  compact(since: number): void {
    if (since <= this.since) return;
    this.since = since;
    let k = 0;
    for (; k < this.timeline.length && this.timeline[k]!.time <= since; k++) {
      for (const e of this.timeline[k]!.entries) this.fold(e);
    }
    if (k > 0) this.timeline = this.timeline.slice(k);
  }

  /** Distinct rows held plus history records after since. */
  records(): number {
    return this.rowCount + this.historyRecords;
  }

  private countAt(e: number, t: number): number {
    let c = this.base[e]!;
    const h = this.hist[e];
    if (h) for (let i = 0; i < h.length && h[i]! <= t; i += 2) c += h[i + 1]!;
    return c;
  }

  /** A new entry for `row` (hash `h`) with no count and no history. */
  private insert(row: Row, h: number): number {
    let e = this.free.pop();
    if (e === undefined) {
      if (this.slots === this.hashes.length) this.growSlots();
      e = this.slots++;
      this.hist.push(null);
      this.rows.push(row);
    } else {
      this.rows[e] = row;
      this.hist[e] = null;
    }
    this.hashes[e] = h;
    this.base[e] = 0;
    this.pending[e] = 0;
    this.flags[e] = 0;
    this.rowCount++;
    const bucket = h & (this.buckets.length - 1);
    this.next[e] = this.buckets[bucket]!;
    this.buckets[bucket] = e;
    if (this.keyBuckets) {
      const kh = hashColumns(row, this.keys!);
      const kb = kh & (this.keyBuckets.length - 1);
      this.keyHashes[e] = kh;
      this.keyNext[e] = this.keyBuckets[kb]!;
      this.keyBuckets[kb] = e;
    }
    if (this.rowCount > this.buckets.length * 0.75) this.rehash(this.buckets.length * 2);
    return e;
  }

  private fold(e: number): void {
    const h = this.hist[e];
    if (this.flags[e]! & DEAD || !h) return;
    let i = 0;
    while (i < h.length && h[i]! <= this.since) {
      this.base[e]! += h[i + 1]!;
      i += 2;
    }
    if (i === 0) return;
    this.historyRecords -= i / 2;
    this.hist[e] = i === h.length ? null : h.slice(i);
    if (this.base[e] === 0 && this.hist[e] === null && (this.flags[e]! & TOUCHED) === 0) this.remove(e);
  }

  /**
   * Unlinks a zero entry and frees its slot. Safe for the timeline: an entry without history is
   * referenced by no timeline list (those hold only slots with history after since), and a slot
   * is reused only by `add`, never during `compact`.
   */
  private remove(e: number): void {
    this.flags[e] = DEAD;
    this.rows[e] = undefined;
    this.rowCount--;
    unlink(this.buckets, this.next, this.hashes[e]! & (this.buckets.length - 1), e);
    if (this.keyBuckets) unlink(this.keyBuckets, this.keyNext, this.keyHashes[e]! & (this.keyBuckets.length - 1), e);
    this.free.push(e);
  }

  /** Grows the slot arrays to hold at least `min` slots (at least doubling them). */
  private growSlots(min = 0): void {
    if (min <= this.hashes.length && min > 0) return;
    let n = this.hashes.length * 2;
    while (n < min) n *= 2;
    const grow = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes, (k) => new Int32Array(k));
    this.next = grow(this.next, (k) => new Int32Array(k));
    this.base = grow(this.base, (k) => new Float64Array(k));
    this.pending = grow(this.pending, (k) => new Float64Array(k));
    this.flags = grow(this.flags, (k) => new Uint8Array(k));
    if (this.keyBuckets) {
      this.keyHashes = grow(this.keyHashes, (k) => new Int32Array(k));
      this.keyNext = grow(this.keyNext, (k) => new Int32Array(k));
    }
  }

  private rehash(size: number): void {
    this.buckets = this.chained(size, this.hashes, this.next);
    if (this.keyBuckets) this.keyBuckets = this.chained(size, this.keyHashes, this.keyNext);
  }

  /** A bucket table of `size` chaining every live slot by `hashes` (through `next`). */
  private chained(size: number, hashes: Int32Array, next: Int32Array): Int32Array<ArrayBuffer> {
    const buckets = new Int32Array(size).fill(NONE);
    for (let e = 0; e < this.slots; e++) {
      if (this.flags[e]! & DEAD) continue;
      const bucket = hashes[e]! & (size - 1);
      next[e] = buckets[bucket]!;
      buckets[bucket] = e;
    }
    return buckets;
  }
}

/** Takes slot `e` out of its chain in `buckets` (linked through `next`). */
function unlink(buckets: Int32Array, next: Int32Array, bucket: number, e: number): void {
  if (buckets[bucket] === e) {
    buckets[bucket] = next[e]!;
    return;
  }
  let p = buckets[bucket]!;
  while (p !== NONE && next[p] !== e) p = next[p]!;
  if (p !== NONE) next[p] = next[e]!;
}
