/**
 * The state of planning one statement: the resolver, the inputs read so far, the common table
 * expressions in scope, the views being expanded (to refuse cycles), and where the text came
 * from (to give errors a position). It owns error construction so that every planner error is a
 * SqlError with a SQLSTATE and, where the AST knows it, a position. It plans nothing itself.
 */
import type { Node, SelectStmt } from 'libpg-query';
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import { SqlSource } from './parse.js';
import type { PlannedInput, RelationResolver } from './planned.js';
import type { Plan } from '../../../protocol/compute/plan.js';
import type { Column } from '../../../protocol/types.js';

/** SQLSTATEs the planner uses beyond protocol/control/errors.ts's list (Postgres' codes). */
export const MoreSqlState = {
  InvalidTextRepresentation: '22P02',
  InvalidRowCountInLimit: '2201W',
  InvalidRowCountInOffset: '2201X',
  CannotCoerce: '42846',
  InvalidColumnReference: '42P10',
  DuplicateAlias: '42712',
  InvalidRecursion: '42P19',
  InvalidName: '42602',
  InvalidSchemaName: '3F000',
} as const;

/** A common table expression (WITH name AS (query)), visible to the statement that defines it. */
export interface Cte {
  name: string;
  query: SelectStmt;
  columnNames?: string[];
  /** The CTEs its own query sees (those defined before it). */
  ctes: Ctes;
  location?: number;
  /** WITH RECURSIVE and the query reads itself: it plans as a fixpoint (recursive.ts). */
  recursive?: boolean;
  /** Inside its own recursive term: a reference reads the working table, `get name`. */
  working?: { name: string; columns: Column[] };
  /** The planned fixpoint, once planned (every reference reads the same one). */
  recursion?: { plan: Plan; columns: Column[] };
}

/** The CTEs in scope, by name. */
export type Ctes = ReadonlyMap<string, Cte>;

export class PlanContext {
  /** Planning a maintained result (a view, materialized view or index): clock functions are refused (temporal.ts). */
  maintained = false;
  constructor(
    readonly resolver: RelationResolver,
    /** Undefined while planning a view's stored text: its positions would point into the wrong text. */
    readonly source: SqlSource | undefined,
    /** Ids of the views being expanded, outermost first. */
    readonly viewStack: string[] = [],
    private readonly inputsById = new Map<string, PlannedInput>(),
    private readonly recursions = { count: 0 },
  ) {}

  /** A fresh name for a recursive CTE's working table (read by no other `get`). */
  recursionName(cte: string): string {
    return `$rec${this.recursions.count++}:${cte.slice(0, 40)}`;
  }


  /** A context for planning a view's definition: the statement's inputs, no positions. */
  forView(id: string): PlanContext {
    const ctx = new PlanContext(this.resolver, undefined, [...this.viewStack, id], this.inputsById, this.recursions);
    ctx.maintained = this.maintained;
    return ctx;
  }

  /** Records that the plan reads `id` (as `get` name `id`). */
  addInput(id: string, relation: string): string {
    if (!this.inputsById.has(id)) this.inputsById.set(id, { name: id, id, relation });
    return id;
  }

  inputs(): PlannedInput[] {
    return [...this.inputsById.values()];
  }

  /** A SqlError at the AST location `location` (a byte offset into the statement text). */
  error(sqlstate: string, message: string, location?: number, hint?: string): SqlError {
    const position = this.source?.position(location);
    return new SqlError(sqlstate, message, { ...(position !== undefined ? { position } : {}), ...(hint !== undefined ? { hint } : {}) });
  }

  unsupported(what: string, location?: number, hint?: string): SqlError {
    return this.error(SqlState.FeatureNotSupported, `${what} is not supported`, location, hint);
  }
}

/** The `location` of an AST node, when it has one. */
export function locationOf(node: Node | undefined): number | undefined {
  if (!node) return undefined;
  const inner = Object.values(node)[0] as { location?: number } | undefined;
  return typeof inner?.location === 'number' && inner.location >= 0 ? inner.location : undefined;
}

/** The AST node's type name (`ColumnRef`, `A_Const`, ...). */
export function nodeKind(node: Node): string {
  return Object.keys(node)[0]!;
}

/** The `sval` of a `{ String: { sval } }` node (identifiers in names and column lists). */
export function stringOf(node: Node | undefined): string | undefined {
  return node && 'String' in node ? (node.String.sval ?? '') : undefined;
}
