/**
 * The EngineFactory the cluster uses: validates a dataflow's plan and builds its incremental
 * engine (actors/compute/engine). A bad plan is refused with an InvalidRequestError whose message
 * says what is wrong (shape, column references, arities, scalar function arguments, or inputs that
 * do not match the plan's `get`s); nothing is built then.
 */
import { InvalidRequestError } from '../../protocol/errors.js';
import { isPlan, planArity, planInputs, planShapeError, type Expr, type Plan } from '../../protocol/compute/plan.js';
import { compileExpr } from '../../protocol/compute/scalar.js';
import { DataflowEngine } from './engine/engine.js';
import type { EngineFactory } from './ports.js';

/** Checks a plan against the dataflow's inputs; returns it typed, or throws InvalidRequestError. */
export function validatePlan(plan: unknown, inputs: string[], asOf: number): Plan {
  if (!isPlan(plan)) throw new InvalidRequestError(`invalid plan: ${planShapeError(plan) ?? 'not a plan'}`);
  try {
    planArity(plan);
  } catch (err) {
    throw new InvalidRequestError(`invalid plan: ${(err as Error).message}`);
  }
  checkExprs(plan);
  if (!Number.isSafeInteger(asOf) || asOf < 0) throw new InvalidRequestError(`invalid asOf ${asOf}: a non-negative integer timestamp is required`);
  const declared = new Set(inputs);
  if (declared.size !== inputs.length) throw new InvalidRequestError(`the dataflow's inputs name one input twice: ${inputs.join(', ')}`);
  const read = planInputs(plan);
  const missing = [...read].filter((n) => !declared.has(n));
  if (missing.length > 0) throw new InvalidRequestError(`the plan reads ${missing.join(', ')}, not among the dataflow's inputs (${inputs.join(', ') || 'none'})`);
  const unused = inputs.filter((n) => !read.has(n));
  if (unused.length > 0) throw new InvalidRequestError(`the dataflow declares inputs the plan never reads: ${unused.join(', ')}`);
  checkGetArities(plan, new Map());
  return plan;
}

/** Compiles every expression once, so a malformed call is refused now, not on the first row. */
function checkExprs(plan: Plan): void {
  const compile = (e: Expr) => {
    try {
      compileExpr(e);
    } catch (err) {
      throw new InvalidRequestError(`invalid plan: ${(err as Error).message}`);
    }
  };
  switch (plan.op) {
    case 'map':
      plan.exprs.forEach(compile);
      break;
    case 'filter':
      plan.predicates.forEach(compile);
      break;
    case 'reduce':
      plan.aggregates.forEach((a) => [a.expr, ...(a.by ? [a.by] : [])].forEach(compile));
      break;
    case 'temporal':
      [...plan.lower, ...plan.upper].forEach(compile);
      break;
    case 'flat_map':
      plan.exprs.forEach(compile);
      break;
    default:
      break;
  }
  if ('input' in plan) checkExprs(plan.input);
  if ('inputs' in plan) plan.inputs.forEach(checkExprs);
}

function checkGetArities(plan: Plan, seen: Map<string, number>): void {
  if (plan.op === 'get') {
    const a = seen.get(plan.name);
    if (a !== undefined && a !== plan.arity) throw new InvalidRequestError(`invalid plan: input ${plan.name} is read with arities ${a} and ${plan.arity}`);
    seen.set(plan.name, plan.arity);
  }
  if ('input' in plan) checkGetArities(plan.input, seen);
  if ('inputs' in plan) plan.inputs.forEach((p) => checkGetArities(p, seen));
}

/** Builds the engine of a dataflow; throws InvalidRequestError for a bad plan. */
export const createEngine: EngineFactory = (plan, inputs, asOf, indexKeys) => new DataflowEngine(validatePlan(plan, inputs, asOf), inputs, asOf, indexKeys);
