/**
 * A trace: a consolidated collection with its history back to `since`, as the dataflow's output
 * index keeps it for peeks. Each distinct row has an entry holding its multiplicity folded up to
 * `since` (`base`) and the changes after it as (time, diff) pairs in time order. Changes arrive one
 * time at a time in increasing order (`add` then `finish(time)`); `finish` returns that time's
 * consolidated changes. `compact(since)` folds the history at or before `since` into `base` and
 * drops rows whose multiplicity is zero, visiting only the entries changed at those times (kept in
 * a per-time list), so compaction costs what was changed, and memory is proportional to the live
 * rows plus the history after `since`.
 */
import type { Row } from '../../../protocol/types.js';
import { rowsEqual } from '../../../protocol/compute/row.js';
import { hashRow } from '../../../protocol/row-hash.js';

class Entry {
  next: Entry | null = null;
  base = 0;
  /** History after since: [t0, d0, t1, d1, ...] in time order; null when empty. */
  hist: number[] | null = null;
  /** The change at the time being processed. */
  pending = 0;
  touched = false;
  dead = false;
  constructor(
    readonly row: Row,
    readonly hash: number,
  ) {}

  countAt(t: number): number {
    let c = this.base;
    const h = this.hist;
    if (h !== null) for (let i = 0; i < h.length && h[i]! <= t; i += 2) c += h[i + 1]!;
    return c;
  }
}

export class Trace {
  private readonly entries = new Map<number, Entry>();
  private touched: Entry[] = [];
  /** Per processed time after since: the entries that got history at it. */
  private timeline: Array<{ time: number; entries: Entry[] }> = [];
  private since: number;
  private rows = 0;
  private historyRecords = 0;

  constructor(since: number) {
    this.since = since;
  }

  /** Adds a change at the time being processed. */
  add(row: Row, diff: number): void {
    const h = hashRow(row);
    let e: Entry | null | undefined = this.entries.get(h);
    const head = e;
    while (e && !rowsEqual(e.row, row)) e = e.next;
    if (!e) {
      e = new Entry(row, h);
      e.next = head ?? null;
      this.entries.set(h, e);
      this.rows++;
    }
    e.pending += diff;
    if (!e.touched) {
      e.touched = true;
      this.touched.push(e);
    }
  }

  /** Ends `time` (later than every earlier one); calls `emit` with each row's net change. */
  finish(time: number, emit: (row: Row, diff: number) => void): void {
    if (this.touched.length === 0) return;
    const changed: Entry[] = [];
    for (const e of this.touched) {
      e.touched = false;
      const d = e.pending;
      e.pending = 0;
      if (d !== 0) {
        emit(e.row, d);
        if (time <= this.since) e.base += d;
        else {
          if (e.hist === null) e.hist = [time, d];
          else e.hist.push(time, d);
          this.historyRecords++;
          changed.push(e);
        }
      }
      if (e.base === 0 && e.hist === null) this.remove(e);
    }
    this.touched = [];
    if (changed.length > 0) this.timeline.push({ time, entries: changed });
  }

  /** The rows with a non-zero multiplicity at `t` (t >= since). */
  contentsAt(t: number): Array<[Row, number]> {
    const out: Array<[Row, number]> = [];
    for (const head of this.entries.values()) {
      for (let e: Entry | null = head; e; e = e.next) {
        const c = e.countAt(t);
        if (c !== 0) out.push([e.row, c]);
      }
    }
    return out;
  }

  /** True when some row has a non-zero multiplicity at `t`. */
  nonEmptyAt(t: number): boolean {
    for (const head of this.entries.values()) for (let e: Entry | null = head; e; e = e.next) if (e.countAt(t) !== 0) return true;
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
    return this.rows + this.historyRecords;
  }

  private fold(e: Entry): void {
    if (e.dead || e.hist === null) return;
    const h = e.hist;
    let i = 0;
    while (i < h.length && h[i]! <= this.since) {
      e.base += h[i + 1]!;
      i += 2;
    }
    if (i === 0) return;
    this.historyRecords -= i / 2;
    e.hist = i === h.length ? null : h.slice(i);
    if (e.base === 0 && e.hist === null && !e.touched) this.remove(e);
  }

  private remove(e: Entry): void {
    e.dead = true;
    this.rows--;
    const head = this.entries.get(e.hash);
    if (head === e) {
      if (e.next) this.entries.set(e.hash, e.next);
      else this.entries.delete(e.hash);
      return;
    }
    for (let prev: Entry | null | undefined = head; prev; prev = prev.next) {
      if (prev.next === e) {
        prev.next = e.next;
        return;
      }
    }
  }
}
