/**
 * `typedCall`: a typed call of a plan IR scalar function, folded when its arguments are all
 * literals, with its nullability (NULL on any NULL argument unless said). One file of its own so
 * that functions.ts and the function families it spreads in (datetime.ts, text-functions.ts,
 * arrays.ts) all build calls the same way without importing each other.
 */
import type { ScalarFunction } from '../../../protocol/compute/plan.js';
import type { ColumnType } from '../../../protocol/types.js';
import { foldExpr } from './fold.js';
import { toExpr } from './exprs.js';
import { call, isPlainExpr, type PExpr, type Typed } from './typed.js';

/** Builds a typed call, folding constants and deriving nullability (NULL on any NULL argument). */
export function typedCall(fn: ScalarFunction, args: Typed[], type: ColumnType, name: string, nullable = args.some((a) => a.nullable)): Typed {
  const expr: PExpr = call(fn, ...args.map((a) => a.expr));
  // An expression over aggregates is never all literals: nothing to fold.
  const folded: PExpr = isPlainExpr(expr) ? foldExpr(toExpr(expr), type) : expr;
  return { expr: folded, type, nullable: folded.op === 'lit' ? folded.value === null : nullable, name };
}
