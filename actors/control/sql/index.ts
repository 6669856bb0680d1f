/**
 * The SQL front end of CONTROL: statement splitting, the pre-parser of definite's extensions,
 * the Postgres parser, and the planner from SQL to the plan IR (queries and writes).
 */
export { splitStatements, type SqlStatement } from './split.js';
export { preparse, parseInterval, type Extension, type ObjectKind } from './preparse.js';
export { loadSqlParser, parseStatements, parseQuery, SqlSource } from './parse.js';
export { planQuery, planQueryText, type QueryPlanOptions } from './planner.js';
export { planInsert, planUpdate, planDelete, checkNotNull } from './write.js';
export { applyFinishing } from './finishing.js';
export { optimize } from './optimize.js';
export type {
  RelationResolver,
  ResolvedRelation,
  PlannedQuery,
  PlannedInput,
  PlannedWrite,
  Finishing,
  FinishingMode,
  PlanOptions,
} from './planned.js';
