/**
 * What a peek applies to an index's rows before answering (`Peek.mfp`, as Materialize's peeks
 * carry a map-filter-project): a linear plan, only `map`, `filter` and `project` over one `get` of
 * the index's rows, so a query's filter runs where the data is and only matching rows travel (a
 * point query of a large index answered by its whole contents did not fit in one message).
 * Checked before the peek waits (InvalidRequest); evaluated row by row with SQL semantics (a
 * filter keeps rows whose predicates are all true); the first evaluation error fails the peek.
 */
import { InvalidRequestError } from '../../protocol/errors.js';
import { isPlan, planArity, planShapeError, type Plan } from '../../protocol/compute/plan.js';
import { compileExpr, type CompiledExpr } from '../../protocol/compute/scalar.js';
import { consolidateRows } from '../../protocol/compute/row.js';
import type { Row } from '../../protocol/types.js';

/** A checked peek plan: the steps from the index's rows outwards. */
export type PeekMfp = Array<{ op: 'map'; exprs: CompiledExpr[] } | { op: 'filter'; predicates: CompiledExpr[] } | { op: 'project'; columns: number[] }>;

/** Checks `mfp` against an index of `arity` columns; returns its compiled steps or throws InvalidRequestError. */
export function checkPeekMfp(mfp: unknown, arity: number): PeekMfp {
  if (!isPlan(mfp)) throw new InvalidRequestError(`invalid peek mfp: ${planShapeError(mfp) ?? 'not a plan'}`);
  const linear: Array<Extract<Plan, { op: 'map' | 'filter' | 'project' }>> = [];
  let p: Plan = mfp;
  while (p.op === 'map' || p.op === 'filter' || p.op === 'project') {
    linear.unshift(p);
    p = p.input;
  }
  if (p.op !== 'get') throw new InvalidRequestError(`invalid peek mfp: only map, filter and project over one get, not ${p.op}`);
  if (p.arity !== arity) throw new InvalidRequestError(`invalid peek mfp: it reads ${p.arity} columns, the index has ${arity}`);
  try {
    planArity(mfp);
    return linear.map((q) =>
      q.op === 'map' ? { op: 'map', exprs: q.exprs.map(compileExpr) } : q.op === 'filter' ? { op: 'filter', predicates: q.predicates.map(compileExpr) } : { op: 'project', columns: q.columns },
    );
  } catch (err) {
    throw new InvalidRequestError(`invalid peek mfp: ${(err as Error).message}`);
  }
}

/** Applies the steps to consolidated index rows; throws the first EvaluationError. */
export function applyPeekMfp(steps: PeekMfp, rows: Array<[Row, number]>): Array<[Row, number]> {
  const out: Array<[Row, number]> = [];
  let projected = false;
  next: for (const [input, diff] of rows) {
    let row = input;
    for (const step of steps) {
      if (step.op === 'filter') {
        for (const p of step.predicates) if (p(row) !== true) continue next;
      } else if (step.op === 'map') {
        row = row.slice();
        for (const f of step.exprs) row.push(f(row));
      } else {
        row = step.columns.map((c) => row[c]!);
        projected = true;
      }
    }
    out.push([row, diff]);
  }
  return projected ? consolidateRows(out) : out;
}
