/**
 * What the SQL planner needs from its caller and what it hands back: the relation resolver (the
 * catalog, seen through the planner's eyes), the planned query (a plan IR tree, its output
 * columns, the inputs it reads, and the "finishing" applied to peek results), and the planned
 * writes. Types only; the planner itself lives in planner.ts and write.ts.
 */
import type { OrderKey, Plan } from '../../../protocol/compute/plan.js';
import type { Column, Value } from '../../../protocol/types.js';

/**
 * A relation, as the resolver describes it.
 * - A stored relation (table, source, materialized view, or anything readable as a collection) is
 *   read with a `get` of its id; its `columns` are its schema.
 * - A view is planned inline from its defining query (the SELECT text, without `CREATE VIEW`),
 *   resolving the names it uses through the same resolver; `columns`, when given, rename its
 *   output columns (`CREATE VIEW v (a, b) AS ...`) and must match their number.
 */
export type ResolvedRelation =
  | { kind: 'table' | 'source' | 'materialized_view'; id: string; columns: Column[] }
  | { kind: 'view'; id: string; query: string; columns?: Column[] }
  | { kind: 'constant'; id: string; columns: Column[]; rows: Value[][] };

/**
 * Looks a relation up by its (case-sensitive, already case-folded by the parser) name, in
 * `schema` when the query names one, else along the search path (a system relation, such as
 * pg_catalog.pg_class, is a `constant`: its rows as of planning).
 */
export type RelationResolver = (name: string, schema?: string) => ResolvedRelation | undefined;

/** One collection a plan reads: the `get` name in the plan, the catalog id, the SQL name. */
export interface PlannedInput {
  /** The name in the plan's `get` nodes (the catalog id, a valid dataflow input name). */
  name: string;
  id: string;
  /** The relation's SQL name, as written in the query. */
  relation: string;
}

/**
 * What a peek does to a plan's output before answering: sort by `order` (ties in any order),
 * skip `offset` rows, keep `limit` rows, then keep the `project` columns. Materialize applies
 * ORDER BY / LIMIT of a top-level SELECT the same way, outside the dataflow.
 */
export interface Finishing {
  order: OrderKey[];
  limit?: number;
  offset: number;
  /** Output columns: indices into the plan's rows (the plan may carry hidden ORDER BY columns). */
  project: number[];
}

export interface PlannedQuery {
  plan: Plan;
  /** The columns the user sees, after `finishing.project`. */
  columns: Column[];
  /** The collections `plan` reads (each once, in first-use order). */
  inputs: PlannedInput[];
  finishing: Finishing;
}

/**
 * How a top-level ORDER BY / LIMIT is planned:
 * - `peek` (default): as a `finishing` of the result (a SELECT answered once);
 * - `maintained`: inside the plan, as a `topk` when there is a LIMIT or OFFSET (ORDER BY alone
 *   means nothing to a maintained relation and is dropped): views, materialized views, indexes,
 *   SUBSCRIBE. The finishing is then the identity.
 */
export type FinishingMode = 'peek' | 'maintained';

export interface PlanOptions {
  mode?: FinishingMode;
  /** The statement's 0-based offset in the user's input, for error positions. */
  offset?: number;
  /** The statement text the AST was parsed from, for error positions (AST locations are bytes). */
  text?: string;
}

/**
 * A planned write: `plan` yields the updates to apply to `table` (rows with multiplicity +1 to
 * insert, -1 to retract), with the table's column order. The coordinator evaluates it at a read
 * timestamp, checks `checkNotNull`, and appends the result at a write timestamp.
 */
export interface PlannedWrite {
  kind: 'insert' | 'update' | 'delete';
  table: { name: string; id: string; columns: Column[] };
  plan: Plan;
  inputs: PlannedInput[];
}
