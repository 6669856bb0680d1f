/**
 * Consolidation of updates: equal (row, time) pairs are summed and zero diffs dropped; the result
 * is sorted by time. Rows are compared by a key that tells value types apart (1, "1", true, null).
 */
import type { Row, Update } from '../../protocol/types.js';

/** A string key of a row; distinct rows have distinct keys. */
export function rowKey(row: Row): string {
  return JSON.stringify(row);
}

/** Consolidates updates: one update per distinct (row, time), non-zero diffs, sorted by time. */
export function consolidate(updates: Update[]): Update[] {
  if (updates.length === 0) return updates;
  const byTime = new Map<number, Map<string, Update>>();
  for (const [row, time, diff] of updates) {
    let rows = byTime.get(time);
    if (!rows) byTime.set(time, (rows = new Map()));
    const key = rowKey(row);
    const had = rows.get(key);
    if (had) had[2] += diff;
    else rows.set(key, [row, time, diff]);
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const out: Update[] = [];
  for (const t of times) for (const u of byTime.get(t)!.values()) if (u[2] !== 0) out.push(u);
  return out;
}

/** Accumulates updates into contents: rows with their total multiplicity, zeros dropped. */
export class Accumulator {
  private readonly rows = new Map<string, [Row, number]>();

  add(row: Row, diff: number): void {
    const key = rowKey(row);
    const had = this.rows.get(key);
    if (had) {
      had[1] += diff;
      if (had[1] === 0) this.rows.delete(key);
    } else if (diff !== 0) this.rows.set(key, [row, diff]);
  }

  contents(): Array<[Row, number]> {
    return [...this.rows.values()];
  }
}
