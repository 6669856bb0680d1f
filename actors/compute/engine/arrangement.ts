/**
 * An arrangement: a collection consolidated and indexed by key columns, as operators read it while
 * times are processed in order. It holds each row's multiplicity as of the previous time (`counts`)
 * and, for the groups touched at the current time, that time's changes (`diffs`), so a reader can
 * see the collection just before the current time ("old") or including it ("new"): exactly what a
 * delta join and the per-key operators (distinct, threshold, topk) need. `endTime` folds the
 * changes in and drops rows whose multiplicity reached zero, so memory is proportional to the live
 * rows. One arrangement of a node by given key columns is shared by every operator that needs it.
 *
 * Layout: a Map from key hash to a chain of key groups (`next`); a group keeps its rows in
 * parallel arrays, with a row-hash index once it grows past INDEX_AT rows.
 */
import type { Row } from '../../../protocol/types.js';
import { hashColumns, hashRow, hasNull, keyMatches, sameKeyValue } from '../../../protocol/row-hash.js';
import type { Delta } from './node.js';
import { rowsEqual } from '../../../protocol/compute/row.js';

const INDEX_AT = 32;
/** Diff arrays kept for reuse by one arrangement (no allocation per touched group and time). */
const POOL_MAX = 256;
/** Longer diff arrays are not pooled (memory stays bounded). */
const POOL_LEN_MAX = 4096;

/** The rows of one key. */
export class KeyGroup {
  next: KeyGroup | null = null;
  readonly rows: Row[] = [];
  /** Multiplicities before the current time (never zero after `endTime`). */
  readonly counts: number[] = [];
  readonly hashes: number[] = [];
  /**
   * Changes at the current time, parallel to `rows` (it may be longer: a pooled array, only the
   * first `rows.length` entries count); null when the group is untouched.
   */
  diffs: number[] | null = null;
  private index: Map<number, number> | null = null;

  constructor(
    readonly key: Row,
    readonly hash: number,
  ) {}

  /** Multiplicity of row i including the current time's changes. */
  newCount(i: number): number {
    return this.diffs === null ? this.counts[i]! : this.counts[i]! + this.diffs[i]!;
  }

  /** The rows with a positive multiplicity before (or, with `after`, including) the current time's changes. */
  live(after: boolean): Array<[Row, number]> {
    const live: Array<[Row, number]> = [];
    for (let i = 0; i < this.rows.length; i++) {
      const c = after ? this.newCount(i) : this.counts[i]!;
      if (c > 0) live.push([this.rows[i]!, c]);
    }
    return live;
  }

  /** Position of `row` (hash `h`), or -1. */
  find(row: Row, h: number): number {
    if (this.index !== null) {
      const p = this.index.get(h);
      if (p === undefined) return -1;
      if (rowsEqual(this.rows[p]!, row)) return p;
    }
    const hashes = this.hashes;
    for (let i = 0; i < hashes.length; i++) if (hashes[i] === h && rowsEqual(this.rows[i]!, row)) return i;
    return -1;
  }

  /** Appends a row new at the current time (its count before it was zero). */
  insert(row: Row, h: number, diff: number): void {
    const p = this.rows.length;
    this.rows.push(row);
    this.counts.push(0);
    this.hashes.push(h);
    this.diffs![p] = diff;
    if (this.index !== null) {
      if (!this.index.has(h)) this.index.set(h, p);
    } else if (p + 1 > INDEX_AT) this.rebuildIndex();
  }

  /** Folds the current time's changes in; returns how many rows were dropped. */
  fold(): number {
    const diffs = this.diffs!;
    const { rows, counts, hashes } = this;
    const n = rows.length;
    let w = 0;
    for (let r = 0; r < n; r++) {
      const c = counts[r]! + diffs[r]!;
      if (c === 0) continue;
      if (w !== r) {
        rows[w] = rows[r]!;
        hashes[w] = hashes[r]!;
      }
      counts[w] = c;
      w++;
    }
    this.diffs = null;
    if (w !== n) {
      rows.length = w;
      counts.length = w;
      hashes.length = w;
      if (this.index !== null) this.rebuildIndex();
    }
    return n - w;
  }

  private rebuildIndex(): void {
    if (this.rows.length <= INDEX_AT / 2) {
      this.index = null;
      return;
    }
    const index = new Map<number, number>();
    for (let i = 0; i < this.hashes.length; i++) if (!index.has(this.hashes[i]!)) index.set(this.hashes[i]!, i);
    this.index = index;
  }
}

export class Arrangement {
  private readonly groups = new Map<number, KeyGroup>();
  /** Groups changed at the current time, in first-touch order. */
  touched: KeyGroup[] = [];
  private entries = 0;
  /** Diff arrays of groups folded at earlier times, for reuse (contents stale). */
  private readonly pool: number[][] = [];
  /** True when the key is the whole row (the key hash is then the row hash). */
  private readonly wholeRow: boolean;

  /**
   * @param keyCols the key columns, in key order
   * @param arity the arranged rows' arity
   * @param skipNullKeys leave out rows with a NULL key column (they never match in a join)
   */
  constructor(
    readonly keyCols: readonly number[],
    arity: number,
    readonly skipNullKeys: boolean,
  ) {
    this.wholeRow = keyCols.length === arity && keyCols.every((c, i) => c === i);
  }

  /** Applies a delta at the current time. */
  apply(delta: Delta): void {
    const { rows, diffs } = delta;
    const cols = this.keyCols;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (this.skipNullKeys && hasNull(row, cols)) continue;
      const kh = hashColumns(row, cols);
      let g: KeyGroup | null | undefined = this.groups.get(kh);
      const head = g;
      while (g && !keyMatches(g.key, row, cols)) g = g.next;
      if (!g) {
        g = new KeyGroup(this.wholeRow ? row : cols.map((c) => row[c]!), kh);
        g.next = head ?? null;
        this.groups.set(kh, g);
      }
      if (g.diffs === null) {
        g.diffs = this.zeros(g.rows.length);
        this.touched.push(g);
      }
      const rh = this.wholeRow ? kh : hashRow(row);
      const p = g.find(row, rh);
      if (p >= 0) g.diffs[p]! += diffs[i]!;
      else {
        g.insert(row, rh, diffs[i]!);
        this.entries++;
      }
    }
  }

  /** The group of the key formed by `parts[inputs[m]][cols[m]]`, whose hash is `hash`. */
  lookupParts(hash: number, parts: readonly Row[], inputs: readonly number[], cols: readonly number[]): KeyGroup | undefined {
    let g: KeyGroup | null | undefined = this.groups.get(hash);
    outer: while (g) {
      const key = g.key;
      for (let m = 0; m < cols.length; m++) {
        const v = parts[inputs[m]!]![cols[m]!]!;
        if (key[m] !== v && !sameKeyValue(key[m]!, v)) {
          g = g.next;
          continue outer;
        }
      }
      return g;
    }
    return undefined;
  }

  /** Folds the current time's changes into every touched group. */
  endTime(): void {
    const pool = this.pool;
    for (const g of this.touched) {
      const d = g.diffs!;
      this.entries -= g.fold();
      if (pool.length < POOL_MAX && d.length <= POOL_LEN_MAX) pool.push(d);
      if (g.rows.length === 0) this.unlink(g);
    }
    this.touched = [];
  }

  /** A diff array whose first `n` entries are 0 (from the pool when one is there). */
  private zeros(n: number): number[] {
    const d = this.pool.pop();
    if (d === undefined) return new Array<number>(n).fill(0);
    d.fill(0, 0, Math.min(n, d.length));
    while (d.length < n) d.push(0);
    return d;
  }

  /** Number of distinct rows held. */
  records(): number {
    return this.entries;
  }

  /** Every group (for tests and peeks of internal state). */
  *allGroups(): IterableIterator<KeyGroup> {
    for (const head of this.groups.values()) for (let g: KeyGroup | null = head; g; g = g.next) yield g;
  }

  private unlink(g: KeyGroup): void {
    const head = this.groups.get(g.hash);
    if (head === g) {
      if (g.next) this.groups.set(g.hash, g.next);
      else this.groups.delete(g.hash);
      return;
    }
    for (let prev: KeyGroup | null | undefined = head; prev; prev = prev.next) {
      if (prev.next === g) {
        prev.next = g.next;
        return;
      }
    }
  }
}
