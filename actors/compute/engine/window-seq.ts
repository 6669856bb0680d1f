/**
 * The ordered rows of one window partition: a chunked sorted array (chunks of at most CHUNK_MAX
 * elements, split in two when they grow past it, dropped when emptied) with the chunks' start
 * positions, so the window operator can find a row's position by binary search (O(log n)),
 * read the element at a position (O(log n/B)) and insert or delete one (a splice of one chunk,
 * O(B), plus O(n/B) to shift the later chunks' starts). Elements are kept in the order `cmp`
 * (ORDER BY keys, then the whole row) and carry the window operator's per-row state.
 */
import type { Row } from '../../../protocol/types.js';

const CHUNK_MAX = 512;

export class SortedSeq<E extends { row: Row }> {
  private readonly chunks: E[][] = [];
  /** starts[c]: the position of chunks[c][0]. */
  private starts: number[] = [];
  length = 0;

  constructor(private readonly cmp: (a: Row, b: Row) => number) {}

  /** The first position whose row is >= `row` (`strict`: > `row`). */
  bound(row: Row, strict: boolean): number {
    const [c, i] = this.locate(row, strict);
    return c === this.chunks.length ? this.length : this.starts[c]! + i;
  }

  /** Chunk and index of the first element >= `row` (`strict`: > `row`). */
  private locate(row: Row, strict: boolean): [number, number] {
    const before = (e: E): boolean => {
      const c = this.cmp(e.row, row);
      return strict ? c <= 0 : c < 0;
    };
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (before(chunks[m]![chunks[m]!.length - 1]!)) lo = m + 1;
      else hi = m;
    }
    if (lo === chunks.length) return [lo, 0];
    const chunk = chunks[lo]!;
    let a = 0;
    let b = chunk.length;
    while (a < b) {
      const m = (a + b) >> 1;
      if (before(chunk[m]!)) a = m + 1;
      else b = m;
    }
    return [lo, a];
  }

  /** The element at position `pos` (0 <= pos < length). */
  at(pos: number): E {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const m = (lo + hi + 1) >> 1;
      if (starts[m]! <= pos) lo = m;
      else hi = m - 1;
    }
    return this.chunks[lo]![pos - starts[lo]!]!;
  }

  /** Inserts `e` after the elements equal to it. */
  insert(e: E): void {
    let [c, i] = this.locate(e.row, true);
    if (this.chunks.length === 0) {
      this.chunks.push([e]);
      this.starts.push(0);
      this.length = 1;
      return;
    }
    if (c === this.chunks.length) {
      c--;
      i = this.chunks[c]!.length;
    }
    const chunk = this.chunks[c]!;
    chunk.splice(i, 0, e);
    this.length++;
    for (let k = c + 1; k < this.starts.length; k++) this.starts[k]!++;
    if (chunk.length > CHUNK_MAX) {
      const tail = chunk.splice(chunk.length >> 1);
      this.chunks.splice(c + 1, 0, tail);
      this.starts.splice(c + 1, 0, this.starts[c]! + chunk.length);
    }
  }

  /** Removes and returns an element equal to `row` for which `same` holds, or undefined. */
  remove(row: Row, same: (e: E) => boolean): E | undefined {
    let [c, i] = this.locate(row, false);
    while (c < this.chunks.length) {
      const chunk = this.chunks[c]!;
      if (i === chunk.length) {
        c++;
        i = 0;
        continue;
      }
      const e = chunk[i]!;
      if (this.cmp(e.row, row) !== 0) return undefined;
      if (same(e)) {
        chunk.splice(i, 1);
        this.length--;
        for (let k = c + 1; k < this.starts.length; k++) this.starts[k]!--;
        if (chunk.length === 0) {
          this.chunks.splice(c, 1);
          this.starts.splice(c, 1);
        }
        return e;
      }
      i++;
    }
    return undefined;
  }
}
