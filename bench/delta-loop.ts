/**
 * The hand-written specialised baseline of the join + group-by bench (bench/compute.ts, issue #21):
 * `SELECT k, count(*), sum(v*w) FROM A JOIN B USING (k) GROUP BY k` maintained by a delta join
 * over two key-indexed multisets with a running count and sum per key, and nothing general: no
 * plan, no arrangements shared, no history. Each change (k, x, d) of one side is joined with the
 * other side's rows of k as they are at that moment (changes applied one by one, so the result is
 * exact), its products added to the group; at the end of a batch each touched group emits
 * `-old, +new` (as the engine's step returns its output changes).
 */

/** Per key: value -> multiplicity. */
type Side = Map<number, Map<number, number>>;
interface Group {
  count: number;
  sum: number;
  /** The row last emitted (undefined: none). */
  out: [number, number, number] | undefined;
}

export class DeltaJoinCountSum {
  private readonly sides: [Side, Side] = [new Map(), new Map()];
  readonly groups = new Map<number, Group>();
  private readonly touched = new Set<Group>();
  private readonly touchedKeys: number[] = [];

  /** One change: `d` copies of row (k, x) into side 0 (A: x = v) or 1 (B: x = w). */
  change(side: 0 | 1, k: number, x: number, d: number): void {
    const other = this.sides[1 - side]!.get(k);
    if (other !== undefined) {
      let g = this.groups.get(k);
      if (g === undefined) this.groups.set(k, (g = { count: 0, sum: 0, out: undefined }));
      for (const [y, m] of other) {
        g.count += d * m;
        g.sum += d * m * x * y;
      }
      if (!this.touched.has(g)) {
        this.touched.add(g);
        this.touchedKeys.push(k);
      }
    }
    const own = this.sides[side]!;
    let rows = own.get(k);
    if (rows === undefined) own.set(k, (rows = new Map()));
    const m = (rows.get(x) ?? 0) + d;
    if (m === 0) {
      rows.delete(x);
      if (rows.size === 0) own.delete(k);
    } else rows.set(x, m);
  }

  /** Ends a batch: the output changes of the touched groups (consolidated: nothing if unchanged). */
  flush(): Array<[[number, number, number], number]> {
    const out: Array<[[number, number, number], number]> = [];
    for (const k of this.touchedKeys) {
      const g = this.groups.get(k)!;
      const next: [number, number, number] | undefined = g.count !== 0 ? [k, g.count, g.sum] : undefined;
      const prev = g.out;
      if (prev !== undefined && next !== undefined && prev[1] === next[1] && prev[2] === next[2]) continue;
      if (prev !== undefined) out.push([prev, -1]);
      if (next !== undefined) out.push([next, 1]);
      g.out = next;
      if (next === undefined) this.groups.delete(k);
    }
    this.touched.clear();
    this.touchedKeys.length = 0;
    return out;
  }

  /** The view's rows. */
  *rows(): Iterable<[number, number, number]> {
    for (const g of this.groups.values()) if (g.out !== undefined) yield g.out;
  }
}
