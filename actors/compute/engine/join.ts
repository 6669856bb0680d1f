/**
 * The n-way equi-join as delta joins against shared arrangements. At each time, for every input i
 * that changed, its changes are extended through the other inputs one at a time, each looked up by
 * the key columns that link it to the inputs already bound:
 *
 *   d(out) = sum over i of  new(in_0..in_{i-1}) x d(in_i) x old(in_{i+1}..in_{n-1})
 *
 * where old/new are an input's contents just before / including the current time, both read from
 * the same arrangement. Rows with a NULL in a linking column never match. Equalities between
 * columns of a single input are applied before the join (the builder inserts a filter), so every
 * arrangement lookup is an exact key match. The lookup order from each input is greedy: next the
 * input with the most linking equivalence classes (a cross product only when none links).
 */
import type { Row } from '../../../protocol/types.js';
import type { Arrangement } from './arrangement.js';
import { hashParts } from '../../../protocol/row-hash.js';
import { BaseNode, Delta, type Node, type StepContext } from './node.js';

/** One lookup of a delta path: input `input` found in `arr` by the key read from bound inputs. */
interface Stage {
  input: number;
  arr: Arrangement;
  probeInputs: number[];
  probeCols: number[];
}

/** Arranges `node` by `cols` (shared, NULL keys left out). */
export type Arrange = (node: Node, cols: number[]) => Arrangement;

/** Receives each output change of a fused join; `row` is reused for the next change (copy to keep). */
export type JoinSink = (row: Row, diff: number) => void;

export class JoinNode extends BaseNode {
  private readonly paths: Stage[][];
  private readonly parts: Row[];
  /** Set while `each` runs: where output changes go instead of a Delta. */
  private sink: JoinSink | undefined;
  private out: Delta | undefined;
  private readonly scratch: Row;

  /**
   * @param inputs the join's inputs in plan order
   * @param classes equivalence classes over the concatenated columns, each spanning >= 2 inputs
   */
  constructor(
    id: number,
    arity: number,
    private readonly inputs: Node[],
    classes: number[][],
    arrange: Arrange,
  ) {
    super(id, arity);
    const where: Array<[number, number]> = [];
    inputs.forEach((node, j) => {
      for (let c = 0; c < node.arity; c++) where.push([j, c]);
    });
    this.paths = inputs.map((_, source) => planPath(source, inputs, classes, where, arrange));
    this.parts = new Array<Row>(inputs.length);
    this.scratch = new Array(arity).fill(null);
  }

  step(ctx: StepContext): Delta | undefined {
    this.out = new Delta();
    this.run(ctx);
    const out = this.out;
    this.out = undefined;
    return out.length > 0 ? out : undefined;
  }

  /**
   * The join fused into its one consumer (a reduce, build.ts): each output change of this time
   * goes to `sink` in a reused row, so no joined row is allocated. False when no input changed.
   */
  each(ctx: StepContext, sink: JoinSink): boolean {
    this.sink = sink;
    try {
      return this.run(ctx);
    } finally {
      this.sink = undefined;
    }
  }

  private run(ctx: StepContext): boolean {
    let changed = false;
    for (let i = 0; i < this.inputs.length; i++) {
      const d = ctx.deltas[this.inputs[i]!.id];
      if (d === undefined) continue;
      changed = true;
      const parts = this.parts;
      for (let r = 0; r < d.rows.length; r++) {
        parts[i] = d.rows[r]!;
        this.extend(this.paths[i]!, 0, i, d.diffs[r]!);
      }
    }
    return changed;
  }

  private extend(path: Stage[], s: number, source: number, diff: number): void {
    const parts = this.parts;
    if (s === path.length) {
      if (this.sink !== undefined) this.sink(this.fill(this.scratch), diff);
      else this.out!.push(this.concat(), diff);
      return;
    }
    const st = path[s]!;
    const { probeInputs, probeCols } = st;
    for (let m = 0; m < probeCols.length; m++) if (parts[probeInputs[m]!]![probeCols[m]!] === null) return;
    const g = st.arr.lookupParts(hashParts(parts, probeInputs, probeCols), parts, probeInputs, probeCols);
    if (g === undefined) return;
    const useNew = st.input < source;
    const rows = g.rows;
    const n = rows.length;
    for (let k = 0; k < n; k++) {
      const c = useNew ? g.newCount(k) : g.counts[k]!;
      if (c === 0) continue;
      parts[st.input] = rows[k]!;
      this.extend(path, s + 1, source, diff * c);
    }
  }

  private concat(): Row {
    const parts = this.parts;
    if (parts.length === 2) return parts[0]!.concat(parts[1]!);
    if (parts.length === 1) return parts[0]!.slice();
    return this.fill(new Array(this.arity));
  }

  /** Writes the bound rows, concatenated, into `out`. */
  private fill(out: Row): Row {
    const parts = this.parts;
    let p = 0;
    for (let j = 0; j < parts.length; j++) {
      const r = parts[j]!;
      for (let c = 0; c < r.length; c++) out[p++] = r[c];
    }
    return out;
  }
}

/** The lookup order and keys of the delta path starting at input `source`. */
function planPath(source: number, inputs: Node[], classes: number[][], where: Array<[number, number]>, arrange: Arrange): Stage[] {
  const bound = new Set<number>([source]);
  const stages: Stage[] = [];
  while (bound.size < inputs.length) {
    let best = -1;
    let bestLinks: number[][] = [];
    for (let j = 0; j < inputs.length; j++) {
      if (bound.has(j)) continue;
      const links = classes.filter((cls) => cls.some((c) => where[c]![0] === j) && cls.some((c) => bound.has(where[c]![0])));
      if (best < 0 || links.length > bestLinks.length) {
        best = j;
        bestLinks = links;
      }
    }
    const keyCols: number[] = [];
    const probeInputs: number[] = [];
    const probeCols: number[] = [];
    for (const cls of bestLinks) {
      const mine = cls.find((c) => where[c]![0] === best)!;
      const theirs = cls.find((c) => bound.has(where[c]![0]))!;
      keyCols.push(where[mine]![1]);
      probeInputs.push(where[theirs]![0]);
      probeCols.push(where[theirs]![1]);
    }
    stages.push({ input: best, arr: arrange(inputs[best]!, keyCols), probeInputs, probeCols });
    bound.add(best);
  }
  return stages;
}
