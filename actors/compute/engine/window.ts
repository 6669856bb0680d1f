/**
 * Window functions (the `window` plan node), maintained incrementally. Per partition it keeps the
 * live rows in window order (ORDER BY keys, then the whole row; a row of multiplicity m is m
 * elements) in a chunked sorted array (window-seq.ts), each element with its current outputs and,
 * for the aggregate calls, the running aggregate through it. A time's changes to a partition are
 * applied to the array, then outputs are recomputed from the first position they can affect (the
 * first changed row, minus lead's reach, back to its peer group's start when a RANGE frame is
 * used; position 0 for whole-partition frames) forward, and the pass stops at the first peer
 * group past the last changed row (plus lag's reach) whose outputs and running aggregates equal
 * the old ones: what follows cannot change any more. Only changed outputs are retracted and
 * inserted. An update thus costs O(log n + B + n/B) to place plus the outputs that change: O(1)
 * for lag/lead/first_value/last_value ROWS, all later outputs for row_number, rank and running
 * sums, the whole partition for ntile (when the row count changes) and whole-partition frames.
 * The reference evaluator (protocol/compute/window.ts) stays the simple oracle.
 */
import type { OrderKey } from '../../../protocol/compute/plan.js';
import { ExactSum } from '../../../protocol/compute/exact-sum.js';
import { compareValues, compileOrder, keyOf, rowKey } from '../../../protocol/compute/row.js';
import type { WindowCall } from '../../../protocol/compute/window.js';
import { DecimalSum } from '../../../protocol/numeric.js';
import type { Row, Value } from '../../../protocol/types.js';
import { BaseNode, Delta, type StepContext } from './node.js';
import { SortedSeq } from './window-seq.js';

/** A running aggregate through one element. */
interface Acc {
  count: number;
  sum: ExactSum | null;
  dec: DecimalSum | null;
  best: Value;
}

interface Elem {
  row: Row;
  /** The outputs emitted for this element, null while new. */
  outs: Value[] | null;
  /** One running aggregate per aggregate call (calls whose `agg` index is set). */
  carry: Acc[];
}

interface Partition {
  seq: SortedSeq<Elem>;
  /** Net multiplicity of every row seen (live rows are those > 0). */
  counts: Map<string, number>;
}

const AGGREGATES = new Set(['count_star', 'count', 'sum', 'avg', 'min', 'max', 'sum_numeric', 'avg_numeric']);

function sameValue(a: Value, b: Value): boolean {
  return Object.is(a, b) || (Array.isArray(a) && Array.isArray(b) && rowKey(a) === rowKey(b));
}

export class WindowNode extends BaseNode {
  private readonly partitions = new Map<string, Partition>();
  private readonly cmp: (a: Row, b: Row) => number;
  /** Per call: its index among the aggregate calls, or -1. */
  private readonly agg: number[];
  private readonly aggCalls: WindowCall[];
  private readonly maxLag: number;
  private readonly maxLead: number;
  private readonly hasRange: boolean;
  private readonly hasPartition: boolean;
  private readonly positional: boolean;
  private elements = 0;
  /** Outputs recomputed by the last step (how the tests check the work is proportional to the change). */
  recomputed = 0;

  constructor(
    id: number,
    arity: number,
    private readonly inputId: number,
    private readonly partitionBy: number[],
    private readonly orderBy: OrderKey[],
    private readonly calls: WindowCall[],
  ) {
    super(id, arity);
    this.cmp = compileOrder(orderBy);
    this.aggCalls = calls.filter((c) => AGGREGATES.has(c.fn));
    this.agg = calls.map((c) => this.aggCalls.indexOf(c));
    const framed = calls.filter((c) => c.fn === 'last_value' || AGGREGATES.has(c.fn));
    this.hasRange = framed.some((c) => c.frame === undefined || c.frame === 'range');
    this.hasPartition = framed.some((c) => c.frame === 'partition');
    this.positional = calls.some((c) => c.fn === 'row_number' || c.fn === 'rank' || c.fn === 'ntile');
    const reach = (fn: string) => Math.max(0, ...calls.filter((c) => c.fn === fn).map((c) => c.offset ?? 1));
    this.maxLag = reach('lag');
    this.maxLead = reach('lead');
  }

  override records(): number {
    return this.elements;
  }

  step(ctx: StepContext): Delta | undefined {
    const delta = ctx.deltas[this.inputId];
    if (delta === undefined) return undefined;
    const byPartition = new Map<string, Array<[Row, number]>>();
    for (let i = 0; i < delta.rows.length; i++) {
      const row = delta.rows[i]!;
      const k = keyOf(this.partitionBy.map((c) => row[c]!));
      let changes = byPartition.get(k);
      if (!changes) byPartition.set(k, (changes = []));
      changes.push([row, delta.diffs[i]!]);
    }
    this.recomputed = 0;
    const emitted = new Map<string, [Row, number]>();
    const emit = (row: Row, outs: Value[], d: number) => {
      const full = [...row, ...outs];
      const k = rowKey(full);
      const have = emitted.get(k);
      if (have) have[1] += d;
      else emitted.set(k, [full, d]);
    };
    for (const [k, changes] of byPartition) {
      let p = this.partitions.get(k);
      if (!p) this.partitions.set(k, (p = { seq: new SortedSeq<Elem>(this.cmp), counts: new Map() }));
      this.update(p, changes, emit);
      if (p.counts.size === 0) this.partitions.delete(k);
    }
    const out = new Delta();
    for (const [row, n] of emitted.values()) if (n !== 0) out.push(row, n);
    return out.length > 0 ? out : undefined;
  }

  private peer(a: Row, b: Row): boolean {
    for (const o of this.orderBy) if (compareValues(a[o.column]!, b[o.column]!) !== 0) return false;
    return true;
  }

  /** Applies one partition's changes and emits the outputs that change. */
  private update(p: Partition, changes: Array<[Row, number]>, emit: (row: Row, outs: Value[], d: number) => void): void {
    const { seq, counts } = p;
    const nOld = seq.length;
    const changed: Array<[Row, number]> = [];
    for (const [row, d] of changes) {
      const key = rowKey(row);
      const c = counts.get(key) ?? 0;
      const nc = c + d;
      if (nc === 0) counts.delete(key);
      else counts.set(key, nc);
      let change = Math.max(nc, 0) - Math.max(c, 0);
      if (change === 0) continue;
      changed.push([row, change]);
      for (; change > 0; change--) seq.insert({ row, outs: null, carry: [] });
      for (; change < 0; change++) {
        const e = seq.remove(row, (x) => rowKey(x.row) === key)!;
        if (e.outs !== null) emit(e.row, e.outs, -1);
      }
    }
    this.elements += seq.length - nOld;
    if (changed.length === 0) return;
    changed.sort((a, b) => this.cmp(a[0], b[0]));
    const n = seq.length;
    const resized = n !== nOld;
    const full = this.hasPartition || (resized && this.positional && this.calls.some((c) => c.fn === 'ntile'));
    // Where the outputs a changed row can affect begin (lead's reach before it, its peers for RANGE).
    const startOf = (row: Row): number => {
      let start = full ? 0 : Math.max(0, seq.bound(row, false) - this.maxLead);
      if (this.hasRange) {
        while (start > 0 && (this.peer(seq.at(start - 1).row, row) || (start < n && this.peer(seq.at(start - 1).row, seq.at(start).row)))) start--;
      }
      return start;
    };
    // Changed rows are visited in order; past each one's reach (lag's after it) the pass may stop
    // or jump to the next changed row once the outputs converge.
    let next = 0;
    let stopFrom = seq.bound(changed[0]![0], true) + this.maxLag;
    // Positions (row_number, rank, ntile) only agree again where as many rows were inserted as deleted before.
    const hasNtile = this.calls.some((c) => c.fn === 'ntile');
    let passed = 0;
    let shift = 0;
    let start = startOf(changed[0]![0]);
    let prev: Elem | null = start > 0 ? seq.at(start - 1) : null;
    const first = n > 0 ? seq.at(0).row : null;
    let i = start;
    while (i < n) {
      // The group recomputed together: the whole partition, a peer group (RANGE), or one row.
      let ge = i;
      const head = seq.at(i);
      const group: Elem[] = [head];
      if (this.hasPartition) {
        for (ge = i + 1; ge < n; ge++) group.push(seq.at(ge));
        ge = n - 1;
      } else if (this.hasRange) {
        while (ge + 1 < n && this.peer(seq.at(ge + 1).row, head.row)) group.push(seq.at(++ge));
      }
      // Running aggregates through each element of the group.
      const carries: Acc[][] = [];
      let acc = prev?.carry;
      for (const e of group) {
        const next = this.aggCalls.map((call, a) => this.accumulate(acc?.[a], call, e.row));
        carries.push(next);
        acc = next;
      }
      // Peer group ends inside the group (RANGE frames).
      const peerEnd = new Array<number>(group.length);
      for (let g = group.length - 1; g >= 0; g--) peerEnd[g] = g < group.length - 1 && this.peer(group[g]!.row, group[g + 1]!.row) ? peerEnd[g + 1]! : g;
      let same = true;
      let prevRow = prev?.row ?? null;
      let prevOuts = prev?.outs ?? null;
      for (let g = 0; g < group.length; g++) {
        const e = group[g]!;
        const j = i + g;
        const isPeer = prevRow !== null && this.peer(prevRow, e.row);
        const outs = this.calls.map((call, c): Value => {
          switch (call.fn) {
            case 'row_number':
              return j + 1;
            case 'rank':
              return isPeer ? prevOuts![c]! : j + 1;
            case 'dense_rank':
              return prevRow === null ? 1 : isPeer ? prevOuts![c]! : (prevOuts![c] as number) + 1;
            case 'ntile': {
              const b = call.offset ?? 1;
              const per = Math.floor(n / b);
              const extra = n % b;
              const big = extra * (per + 1);
              return j < big ? Math.floor(j / (per + 1)) + 1 : extra + Math.floor((j - big) / Math.max(per, 1)) + 1;
            }
            case 'lag':
            case 'lead': {
              const t = j + (call.offset ?? 1) * (call.fn === 'lag' ? -1 : 1);
              return t >= 0 && t < n ? seq.at(t).row[call.column ?? 0]! : (call.default ?? null);
            }
            case 'first_value':
              return first![call.column ?? 0]!;
            case 'last_value': {
              const at = call.frame === 'rows' ? e.row : call.frame === 'partition' ? seq.at(n - 1).row : group[peerEnd[g]!]!.row;
              return at[call.column ?? 0]!;
            }
            default: {
              const a = this.agg[c]!;
              const through = call.frame === 'rows' ? carries[g]! : call.frame === 'partition' ? carries[group.length - 1]! : carries[peerEnd[g]!]!;
              return this.value(call, through[a]!);
            }
          }
        });
        const unchanged =
          e.outs !== null && outs.every((v, c) => sameValue(v, e.outs![c]!)) && carries[g]!.every((a, x) => this.sameAcc(this.aggCalls[x]!, a, e.carry[x]));
        if (!unchanged) {
          same = false;
          if (e.outs !== null) emit(e.row, e.outs, -1);
          emit(e.row, outs, 1);
        }
        e.outs = outs;
        e.carry = carries[g]!;
        prevRow = e.row;
        prevOuts = outs;
      }
      this.recomputed += group.length;
      prev = group[group.length - 1]!;
      // Changed rows the pass has now passed need no jump.
      while (next + 1 < changed.length && seq.bound(changed[next + 1]![0], false) <= ge) {
        next++;
        stopFrom = Math.max(stopFrom, seq.bound(changed[next]![0], true) + this.maxLag);
      }
      i = ge + 1;
      const last = group[group.length - 1]!.row;
      while (passed < changed.length && this.cmp(changed[passed]![0], last) <= 0) shift += changed[passed++]![1];
      const canStop = !(resized && hasNtile) && (!this.positional || shift === 0);
      if (same && canStop && ge >= stopFrom) {
        if (next + 1 >= changed.length) break;
        next++;
        stopFrom = seq.bound(changed[next]![0], true) + this.maxLag;
        const jump = startOf(changed[next]![0]);
        if (jump > i) {
          i = jump;
          prev = seq.at(i - 1);
        }
      }
    }
  }

  private accumulate(prev: Acc | undefined, call: WindowCall, row: Row): Acc {
    const v = call.fn === 'count_star' ? true : row[call.column ?? 0]!;
    const acc: Acc = prev
      ? { count: prev.count, sum: prev.sum, dec: prev.dec, best: prev.best }
      : {
          count: 0,
          sum: call.fn === 'sum' || call.fn === 'avg' ? new ExactSum() : null,
          dec: call.fn === 'sum_numeric' || call.fn === 'avg_numeric' ? new DecimalSum() : null,
          best: null,
        };
    if (v === null) return acc;
    acc.count++;
    if (acc.sum) (acc.sum = prev ? acc.sum.clone() : acc.sum).add(v as number, 1);
    if (acc.dec) (acc.dec = prev ? acc.dec.clone() : acc.dec).add(v as number, 1);
    if ((call.fn === 'min' || call.fn === 'max') && (acc.best === null || (call.fn === 'min' ? 1 : -1) * compareValues(v, acc.best) < 0)) acc.best = v;
    return acc;
  }

  private value(call: WindowCall, a: Acc): Value {
    switch (call.fn) {
      case 'count_star':
      case 'count':
        return a.count;
      case 'sum':
        return a.count === 0 ? null : a.sum!.value();
      case 'avg':
        return a.count === 0 ? null : a.sum!.value() / a.count;
      case 'sum_numeric':
        return a.count === 0 ? null : a.dec!.value();
      case 'avg_numeric':
        return a.count === 0 ? null : a.dec!.average(a.count);
      default:
        return a.best;
    }
  }

  /** True when both running aggregates give this call the same outputs from here on. */
  private sameAcc(call: WindowCall, a: Acc, b: Acc | undefined): boolean {
    if (b === undefined) return false;
    switch (call.fn) {
      case 'count_star':
      case 'count':
      case 'avg':
      case 'avg_numeric':
        if (a.count !== b.count) return false;
        break;
      default:
        // sum, min, max: only whether something was aggregated matters besides the value.
        if ((a.count === 0) !== (b.count === 0)) return false;
    }
    if (a.sum && !(b.sum && (a.sum === b.sum || a.sum.equals(b.sum)))) return false;
    if (a.dec && !(b.dec && (a.dec === b.dec || a.dec.equals(b.dec)))) return false;
    return sameValue(a.best, b.best);
  }
}
