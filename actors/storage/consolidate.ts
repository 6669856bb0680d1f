/**
 * Consolidation of updates: equal (row, time) pairs are summed and zero diffs dropped; the result
 * is sorted by time. Rows are found by a 32-bit hash (protocol/row-hash.ts, computed without
 * allocating) and confirmed value by value, so 1, "1", true and NULL stay apart and a hash
 * collision costs a comparison, never a wrong answer. (String keys from JSON.stringify cost a
 * string per update and three times the time, and made NaN, Infinity and NULL one value.)
 */
import type { Row, Update, Value } from '../../protocol/types.js';
import { hashRow } from '../../protocol/row-hash.js';

/** Same value: `===`, except that NaN equals NaN (a row holding NaN must consolidate with itself). */
function sameValue(a: Value, b: Value): boolean {
  return a === b || (a !== a && b !== b);
}

function sameRow(a: Row, b: Row): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameValue(a[i]!, b[i]!)) return false;
  return true;
}

interface Entry<T> {
  row: Row;
  value: T;
  next: Entry<T> | undefined;
  removed: boolean;
}

/** A hash table of rows (chained on hash collisions), each with a value of type `T`. */
class RowTable<T> {
  private readonly heads = new Map<number, Entry<T>>();
  /** Every entry in insertion order (removed ones stay, marked `removed`). */
  private readonly all: Entry<T>[] = [];
  private removedCount = 0;

  /** The entry for `row` (hash `h`), created with `initial` when it is new. */
  entry(row: Row, h: number, initial: T): Entry<T> {
    const head = this.heads.get(h);
    for (let e = head; e; e = e.next) if (sameRow(e.row, row)) return e;
    const e: Entry<T> = { row, value: initial, next: head, removed: false };
    this.heads.set(h, e);
    this.all.push(e);
    return e;
  }

  delete(entry: Entry<T>, h: number): void {
    let prev: Entry<T> | undefined;
    for (let e = this.heads.get(h); e; prev = e, e = e.next) {
      if (e !== entry) continue;
      if (prev) prev.next = e.next;
      else if (e.next) this.heads.set(h, e.next);
      else this.heads.delete(h);
      e.removed = true;
      this.removedCount++;
      return;
    }
  }

  entries(): Entry<T>[] {
    return this.removedCount === 0 ? this.all : this.all.filter((e) => !e.removed);
  }
}

const EMPTY: Update = [[], 0, 0];

/** Consolidates updates: one update per distinct (row, time), non-zero diffs, sorted by time. */
export function consolidate(updates: Update[]): Update[] {
  if (updates.length === 0) return updates;
  const c = new Consolidator();
  for (const [row, time, diff] of updates) c.add(row, time, diff);
  return c.result();
}

/** `consolidate`, fed one update at a time (so a caller can feed it in slices). */
export class Consolidator {
  private readonly byTime = new Map<number, RowTable<Update>>();

  add(row: Row, time: number, diff: number): void {
    let table = this.byTime.get(time);
    if (!table) this.byTime.set(time, (table = new RowTable<Update>()));
    // A new array per distinct (row, time): the caller's updates are never changed.
    const e = table.entry(row, hashRow(row), EMPTY);
    if (e.value === EMPTY) e.value = [row, time, diff];
    else e.value[2] += diff;
  }

  /** `add`, keeping `u` itself (and summing into its diff) when it is the first of its (row, time): for a caller that owns it. */
  addOwned(u: Update): void {
    const [row, time, diff] = u;
    let table = this.byTime.get(time);
    if (!table) this.byTime.set(time, (table = new RowTable<Update>()));
    const e = table.entry(row, hashRow(row), EMPTY);
    if (e.value === EMPTY) e.value = u;
    else e.value[2] += diff;
  }

  /** The consolidated updates so far, sorted by time. */
  result(): Update[] {
    const out: Update[] = [];
    for (const t of [...this.byTime.keys()].sort((a, b) => a - b)) for (const { value } of this.byTime.get(t)!.entries()) if (value[2] !== 0) out.push(value);
    return out;
  }
}

/** Accumulates updates into contents: rows with their total multiplicity, zeros dropped. */
export class Accumulator {
  private readonly table = new RowTable<number>();

  add(row: Row, diff: number): void {
    if (diff === 0) return;
    const h = hashRow(row);
    const e = this.table.entry(row, h, 0);
    e.value += diff;
    if (e.value === 0) this.table.delete(e, h);
  }

  contents(): Array<[Row, number]> {
    const out: Array<[Row, number]> = [];
    for (const { row, value } of this.table.entries()) out.push([row, value]);
    return out;
  }
}
