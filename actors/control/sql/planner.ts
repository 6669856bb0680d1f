/**
 * The SQL planner's entry points for queries: a parsed SELECT (or its text) and a relation
 * resolver in, a PlannedQuery (optimized plan IR, output columns, inputs, finishing) out. It
 * plans (query.ts and below), optimizes (optimize.ts) and lists the inputs the optimized plan
 * still reads. It executes nothing and touches no catalog state.
 */
import type { SelectStmt } from 'libpg-query';
import { planInputs } from '../../../protocol/compute/plan.js';
import { PlanContext } from './context.js';
import { optimize } from './optimize.js';
import { parseQuery, SqlSource } from './parse.js';
import type { PlannedInput, PlannedQuery, PlanOptions, RelationResolver } from './planned.js';
import { planQueryBody } from './query.js';

export interface QueryPlanOptions extends PlanOptions {
  /** Run the optimizer (default true); false gives the plan exactly as the SQL reads. */
  optimize?: boolean;
}

/**
 * Plans a query (SELECT, VALUES, set operation, WITH ...). Throws SqlError with a SQLSTATE:
 * 42P01, 42703, 42702, 42883, 42804, 42803, 42P10, 22P02, 0A000 ... (see docs/sql.md).
 */
export function planQuery(select: SelectStmt, resolver: RelationResolver, options: QueryPlanOptions = {}): PlannedQuery {
  const source = options.text !== undefined ? new SqlSource(options.text, options.offset ?? 0) : undefined;
  const ctx = new PlanContext(resolver, source);
  ctx.maintained = options.mode === 'maintained';
  const q = planQueryBody(select, ctx, new Map(), options.mode ?? 'peek');
  if (q.columns.some((c) => c.name.includes('\u0001'))) {
    throw ctx.unsupported('a composite value in the result', undefined, 'definite has no composite types: select its fields, (information_schema._pg_expandarray(a)).x and .n');
  }
  const plan = options.optimize === false ? q.plan : optimize(q.plan);
  return { plan, columns: q.columns, inputs: usedInputs(ctx.inputs(), plan), finishing: q.finishing };
}

/** Parses (42601 on a syntax error) and plans the query `text`. The parser must be loaded. */
export function planQueryText(text: string, resolver: RelationResolver, options: Omit<QueryPlanOptions, 'text'> = {}): PlannedQuery {
  const select = parseQuery(text, options.offset ?? 0);
  return planQuery(select, resolver, { ...options, text });
}

/** The inputs `plan` still reads (the optimizer may have removed some). */
export function usedInputs(inputs: PlannedInput[], plan: PlannedQuery['plan']): PlannedInput[] {
  const used = planInputs(plan);
  return inputs.filter((i) => used.has(i.name));
}
