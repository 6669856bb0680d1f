/**
 * Test helper: a collection's contents at a time, computed naively from its updates (every update
 * at or before `asOf`, summed per row), and a snapshot as the same kind of map, for comparing a
 * shard's reads with what its appends imply.
 */
import type { Row, Update } from '../../protocol/types.js';

export function naive(updates: Update[], asOf: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const [row, t, d] of updates) {
    if (t > asOf) continue;
    const k = JSON.stringify(row);
    const n = (m.get(k) ?? 0) + d;
    if (n === 0) m.delete(k);
    else m.set(k, n);
  }
  return m;
}

export function asMap(rows: Array<[Row, number]>): Map<string, number> {
  return new Map(rows.map(([r, d]) => [JSON.stringify(r), d]));
}
