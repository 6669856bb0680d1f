/**
 * Linear operators, which need no state: a fused chain of map / filter / project (and the join's
 * intra-input equality filters), union and negate. Each maps a delta to a delta row by row. A row
 * whose expressions fail to evaluate is dropped and reported to the error sink with its diff.
 */
import type { Row, Value } from '../../../protocol/types.js';
import { tableFunctionValues, type TableFunction } from '../../../protocol/compute/table-function.js';
import { compileExpr, EvaluationError } from '../../../protocol/compute/scalar.js';
import type { Expr } from '../../../protocol/compute/plan.js';
import { BaseNode, Delta, type Node, type StepContext } from './node.js';

/** One stage of a map / filter / project chain. */
export type MfpStage =
  | { kind: 'map'; exprs: Expr[] }
  | { kind: 'filter'; predicates: Expr[] }
  | { kind: 'project'; columns: number[] }
  | { kind: 'predicate'; test: (row: Row) => boolean };

/** A row function: the transformed row, or null when the row is filtered out. */
export type RowFn = (row: Row) => Row | null;

/** Compiles a chain of stages (applied in order) into one row function. */
export function compileMfp(stages: MfpStage[]): RowFn {
  const fns: RowFn[] = stages.map((stage): RowFn => {
    switch (stage.kind) {
      case 'map': {
        const fs = stage.exprs.map(compileExpr);
        return (row) => {
          const out = row.slice();
          for (let i = 0; i < fs.length; i++) out.push(fs[i]!(out));
          return out;
        };
      }
      case 'filter': {
        const ps = stage.predicates.map(compileExpr);
        return (row) => {
          for (let i = 0; i < ps.length; i++) if (ps[i]!(row) !== true) return null;
          return row;
        };
      }
      case 'project': {
        const cols = stage.columns;
        return (row) => {
          const out = new Array(cols.length);
          for (let i = 0; i < cols.length; i++) out[i] = row[cols[i]!];
          return out;
        };
      }
      case 'predicate': {
        const test = stage.test;
        return (row) => (test(row) ? row : null);
      }
    }
  });
  if (fns.length === 1) return fns[0]!;
  return (row) => {
    let r: Row | null = row;
    for (let i = 0; i < fns.length && r !== null; i++) r = fns[i]!(r);
    return r;
  };
}

/** A fused map / filter / project chain. */
export class MfpNode extends BaseNode {
  constructor(
    id: number,
    arity: number,
    private readonly input: Node,
    private readonly fn: RowFn,
  ) {
    super(id, arity);
  }
  step(ctx: StepContext): Delta | undefined {
    const d = ctx.deltas[this.input.id];
    if (d === undefined) return undefined;
    const out = new Delta();
    const { rows, diffs } = d;
    const fn = this.fn;
    for (let i = 0; i < rows.length; i++) {
      let r: Row | null;
      try {
        r = fn(rows[i]!);
      } catch (err) {
        if (!(err instanceof EvaluationError)) throw err;
        ctx.error(err.message, diffs[i]!);
        continue;
      }
      if (r !== null) out.push(r, diffs[i]!);
    }
    return out.length > 0 ? out : undefined;
  }
}

/** A table function per row (plan.ts' flat_map): the row once per value, with the value appended. */
export class FlatMapNode extends BaseNode {
  private readonly args: Array<(row: Row) => Value>;
  constructor(
    id: number,
    arity: number,
    private readonly input: Node,
    private readonly func: TableFunction,
    exprs: Expr[],
  ) {
    super(id, arity);
    this.args = exprs.map(compileExpr);
  }
  step(ctx: StepContext): Delta | undefined {
    const d = ctx.deltas[this.input.id];
    if (d === undefined) return undefined;
    const out = new Delta();
    for (let i = 0; i < d.rows.length; i++) {
      const row = d.rows[i]!;
      let values: Value[];
      try {
        values = tableFunctionValues(this.func, this.args.map((f) => f(row)), failEval);
      } catch (err) {
        if (!(err instanceof EvaluationError)) throw err;
        ctx.error(err.message, d.diffs[i]!);
        continue;
      }
      for (const v of values) out.push([...row, v], d.diffs[i]!);
    }
    return out.length > 0 ? out : undefined;
  }
}

const failEval = (message: string): never => {
  throw new EvaluationError(message);
};

/** Multiset sum of inputs of one arity. */
export class UnionNode extends BaseNode {
  constructor(
    id: number,
    arity: number,
    private readonly inputs: Node[],
  ) {
    super(id, arity);
  }
  step(ctx: StepContext): Delta | undefined {
    let only: Delta | undefined;
    let out: Delta | undefined;
    for (const input of this.inputs) {
      const d = ctx.deltas[input.id];
      if (d === undefined) continue;
      if (only === undefined) {
        only = d;
        continue;
      }
      if (out === undefined) out = new Delta(only.rows.slice(), only.diffs.slice());
      for (let i = 0; i < d.rows.length; i++) out.push(d.rows[i]!, d.diffs[i]!);
    }
    return out ?? only;
  }
}

/** Negates every multiplicity. */
export class NegateNode extends BaseNode {
  constructor(
    id: number,
    arity: number,
    private readonly input: Node,
  ) {
    super(id, arity);
  }
  step(ctx: StepContext): Delta | undefined {
    const d = ctx.deltas[this.input.id];
    if (d === undefined) return undefined;
    return new Delta(d.rows, d.diffs.map((x) => -x));
  }
}
