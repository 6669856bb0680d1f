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

export class JoinNode extends BaseNode {
  private readonly paths: Stage[][];
  private readonly parts: Row[];

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
  }

  step(ctx: StepContext): Delta | undefined {
    let out: Delta | undefined;
    for (let i = 0; i < this.inputs.length; i++) {
      const d = ctx.deltas[this.inputs[i]!.id];
      if (d === undefined) continue;
      out ??= new Delta();
      const parts = this.parts;
      for (let r = 0; r < d.rows.length; r++) {
        parts[i] = d.rows[r]!;
        this.extend(this.paths[i]!, 0, i, d.diffs[r]!, out);
      }
    }
    return out !== undefined && out.length > 0 ? out : undefined;
  }

  private extend(path: Stage[], s: number, source: number, diff: number, out: Delta): void {
    const parts = this.parts;
    if (s === path.length) {
      out.push(this.concat(), diff);
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
      this.extend(path, s + 1, source, diff * c, out);
    }
  }

  private concat(): Row {
    const parts = this.parts;
    if (parts.length === 2) return parts[0]!.concat(parts[1]!);
    if (parts.length === 1) return parts[0]!.slice();
    const out = new Array(this.arity);
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
