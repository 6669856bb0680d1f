/**
 * A hash table of (row bytes, time) pairs over encoded batches, with a summed diff per entry, for
 * the byte-level consolidations of STORAGE (compacting merges, subscriptions sending stored
 * bytes). A row is where its msgpack bytes lie (`parts[part][start, end)`): nothing is copied or
 * decoded, and the table is typed arrays only, so it makes no garbage: about 50 bytes per entry
 * (a Map keyed by latin1 strings of the row bytes cost about 100 and a string each). Rows are
 * equal when their bytes are: callers see to it that this means equal values, or accept that
 * rows equal only as values stay apart (see slices.ts, stored-consolidated.ts).
 *
 * Nothing large is copied or first touched at once, since that holds the event loop: entries live
 * in chunks of CHUNK (a new chunk, never a copy, as they grow), and a slot table made big enough
 * for millions of entries up front is touched in slices (`prepare`) before use. Writing 32 MB of
 * fresh pages took 12-23 ms here; a table grown by doubling rehashes every entry at once.
 */

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const FIRST_CHUNK = 512;
/** Ints per entry in `ints`: hash, start, end, part. */
const INTS = 4;
/** Doubles per entry in `doubles`: time, summed diff. */
const DOUBLES = 2;
/** Slots touched per step of `prepare` (4 MB of table). */
const PREPARE_SLOTS = 1 << 19;

export class RowBytesTable {
  /** Per slot, two ints: entry index + 1 (0 when free) and the entry's hash (one cache line per probe). */
  private table: Int32Array;
  private capacity = 1024;
  private readonly ints: Int32Array[] = [];
  private readonly doubles: Float64Array[] = [];
  /** Entries since the last clear, numbered from 0 in the order they were added. */
  count = 0;

  /** `expected`: how many entries there may be; the slot table is made big enough for them. */
  constructor(
    private readonly parts: Uint8Array[],
    expected = 0,
  ) {
    while (this.capacity < 2 * expected) this.capacity *= 2;
    this.table = new Int32Array(2 * this.capacity);
  }

  /** Touches the slot table's pages a slice at a time, awaiting `pause` between slices. */
  async prepare(pause: () => Promise<void>): Promise<void> {
    for (let s = 0; s < this.capacity; s += PREPARE_SLOTS) {
      if (s > 0) await pause();
      this.table.fill(0, 2 * s, 2 * Math.min(this.capacity, s + PREPARE_SLOTS));
    }
  }

  /** Empties the table, touching only the slots used when few are. */
  clear(): void {
    if (this.count === 0) return;
    if (this.count * 8 < this.capacity) {
      // A slot run cleared from a home slot is cleared to its end, so every entry's slot (which
      // lies in the run from its own home slot) is cleared too.
      const mask = this.capacity - 1;
      for (let e = 0; e < this.count; e++) {
        for (let s = this.int(e, 0) & mask; this.table[2 * s] !== 0; s = (s + 1) & mask) this.table[2 * s] = 0;
      }
    } else this.table.fill(0);
    this.count = 0;
  }

  /** Adds `diff` to the entry of the row `parts[part][start, end)` at `time` (added if new); returns the entry. */
  add(part: number, start: number, end: number, time: number, diff: number): number {
    const e = this.entry(part, start, end, time);
    this.doubles[e >>> CHUNK_BITS]![(e & (CHUNK - 1)) * DOUBLES + 1] += diff;
    return e;
  }

  /** The entry of the row `parts[part][start, end)` at `time`, added (sum 0) if new. */
  entry(part: number, start: number, end: number, time: number): number {
    const bytes = this.parts[part]!;
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
    h = Math.imul(h ^ (time | 0) ^ ((time / 0x100000000) | 0), 0x01000193);
    h ^= h >>> 15;
    const mask = this.capacity - 1;
    const table = this.table;
    let s = h & mask;
    for (let e = table[2 * s]!; e !== 0; s = (s + 1) & mask, e = table[2 * s]!) {
      const i = e - 1;
      if (table[2 * s + 1] === h && this.timeOf(i) === time && this.sameRow(i, bytes, start, end)) return i;
    }
    const i = this.count++;
    const c = i >>> CHUNK_BITS;
    if (c === this.ints.length) {
      // The first chunk starts small (a table of a few rows is common) and grows to CHUNK.
      const n = c === 0 ? FIRST_CHUNK : CHUNK;
      this.ints.push(new Int32Array(n * INTS));
      this.doubles.push(new Float64Array(n * DOUBLES));
    } else if ((i & (CHUNK - 1)) * INTS >= this.ints[c]!.length) {
      const ints = new Int32Array(this.ints[c]!.length * 2);
      ints.set(this.ints[c]!);
      this.ints[c] = ints;
      const doubles = new Float64Array(this.doubles[c]!.length * 2);
      doubles.set(this.doubles[c]!);
      this.doubles[c] = doubles;
    }
    const at = (i & (CHUNK - 1)) * INTS;
    const ints = this.ints[c]!;
    ints[at] = h;
    ints[at + 1] = start;
    ints[at + 2] = end;
    ints[at + 3] = part;
    const doubles = this.doubles[c]!;
    doubles[(i & (CHUNK - 1)) * DOUBLES] = time;
    doubles[(i & (CHUNK - 1)) * DOUBLES + 1] = 0;
    table[2 * s] = i + 1;
    table[2 * s + 1] = h;
    if (this.count * 2 > this.capacity) this.rehash();
    return i;
  }

  /** The summed diff of entry `i`. */
  sumOf(i: number): number {
    return this.doubles[i >>> CHUNK_BITS]![(i & (CHUNK - 1)) * DOUBLES + 1]!;
  }

  timeOf(i: number): number {
    return this.doubles[i >>> CHUNK_BITS]![(i & (CHUNK - 1)) * DOUBLES]!;
  }

  rowLength(i: number): number {
    return this.int(i, 2) - this.int(i, 1);
  }

  /** Copies entry `i`'s row bytes into `out` at `at`; returns the position after them. */
  copyRow(i: number, out: Uint8Array, at: number): number {
    const bytes = this.parts[this.int(i, 3)]!;
    const end = this.int(i, 2);
    for (let k = this.int(i, 1); k < end; k++) out[at++] = bytes[k]!;
    return at;
  }

  private int(i: number, field: number): number {
    return this.ints[i >>> CHUNK_BITS]![(i & (CHUNK - 1)) * INTS + field]!;
  }

  private sameRow(i: number, bytes: Uint8Array, start: number, end: number): boolean {
    const aStart = this.int(i, 1);
    if (this.int(i, 2) - aStart !== end - start) return false;
    const a = this.parts[this.int(i, 3)]!;
    for (let k = 0; k < end - start; k++) if (a[aStart + k] !== bytes[start + k]) return false;
    return true;
  }

  private rehash(): void {
    this.capacity *= 2;
    this.table = new Int32Array(2 * this.capacity);
    const mask = this.capacity - 1;
    for (let i = 0; i < this.count; i++) {
      const h = this.int(i, 0);
      let s = h & mask;
      while (this.table[2 * s] !== 0) s = (s + 1) & mask;
      this.table[2 * s] = i + 1;
      this.table[2 * s + 1] = h;
    }
  }
}
