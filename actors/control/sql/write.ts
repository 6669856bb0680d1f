/**
 * The write side of SQL as plans over the target table, for the coordinator to evaluate at a
 * read timestamp and append at a write timestamp:
 *   INSERT ... VALUES / SELECT   the new rows (+1), in the table's column order, NULL where unnamed;
 *   DELETE ... WHERE p           −σ_p(table): the matching rows, retracted;
 *   UPDATE ... SET ... WHERE p   −σ_p(table) ∪ π_new(σ_p(table)): retract old, insert new.
 * Only tables can be written (42809 otherwise). Values are converted for storage (casts.ts'
 * assignTo); NOT NULL is checked on the evaluated rows by `checkNotNull`.
 */
import type { DeleteStmt, InsertStmt, Node, RangeVar, UpdateStmt } from 'libpg-query';
import type { Expr, Plan } from '../../../protocol/compute/plan.js';
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { Column, Row } from '../../../protocol/types.js';
import { assignTo } from './casts.js';
import { locationOf, PlanContext } from './context.js';
import { planBool, planExpr } from './expr.js';
import { filterWithSubqueries, SubqueryCollector } from './subquery.js';
import { toExpr } from './exprs.js';
import { optimize } from './optimize.js';
import { SqlSource } from './parse.js';
import type { PlannedWrite, PlanOptions, RelationResolver } from './planned.js';
import { usedInputs } from './planner.js';
import { planQueryBody } from './query.js';
import { projectExprs } from './rel.js';
import { Scope } from './scope.js';
import { nullOf, type Typed } from './typed.js';
import { planValues } from './values.js';

const DUPLICATE_COLUMN = '42701';

type WriteOptions = Pick<PlanOptions, 'text' | 'offset'> & { optimize?: boolean };

function contextFor(resolver: RelationResolver, options: WriteOptions): PlanContext {
  return new PlanContext(resolver, options.text !== undefined ? new SqlSource(options.text, options.offset ?? 0) : undefined);
}

/** The table a write targets, read as a `get`. */
function targetTable(rv: RangeVar | undefined, ctx: PlanContext, verb: string) {
  const name = rv?.relname ?? '';
  if (rv?.schemaname && rv.schemaname !== 'public') throw ctx.error(SqlState.UndefinedTable, `relation "${rv.schemaname}.${name}" does not exist`, rv.location);
  const found = ctx.resolver(name);
  if (!found) throw ctx.error(SqlState.UndefinedTable, `relation "${name}" does not exist`, rv?.location);
  if (found.kind !== 'table') {
    throw ctx.error(SqlState.WrongObjectType, `cannot ${verb} ${found.kind.replace('_', ' ')} "${name}"`, rv?.location, 'only tables can be written');
  }
  const get: Plan = { op: 'get', name: ctx.addInput(found.id, name), arity: found.columns.length };
  const alias = rv?.alias?.aliasname ?? name;
  return { name, id: found.id, columns: found.columns, get, scope: Scope.ofRelation(found.columns, alias) };
}

function finish(kind: PlannedWrite['kind'], table: { name: string; id: string; columns: Column[] }, plan: Plan, ctx: PlanContext, options: WriteOptions): PlannedWrite {
  const optimized = options.optimize === false ? plan : optimize(plan);
  return { kind, table: { name: table.name, id: table.id, columns: table.columns }, plan: optimized, inputs: usedInputs(ctx.inputs(), optimized) };
}

function refuseReturning(stmt: { returningClause?: unknown; withClause?: unknown }, ctx: PlanContext): void {
  if (stmt.returningClause) throw ctx.unsupported('RETURNING');
  if (stmt.withClause) throw ctx.unsupported('WITH on INSERT, UPDATE or DELETE');
}

/** INSERT INTO t [(cols)] VALUES ... | SELECT ...: the rows to insert (+1 each). */
export function planInsert(stmt: InsertStmt, resolver: RelationResolver, options: WriteOptions = {}): PlannedWrite {
  const ctx = contextFor(resolver, options);
  const table = targetTable(stmt.relation, ctx, 'insert into');
  refuseReturning(stmt, ctx);
  if (stmt.onConflictClause) throw ctx.unsupported('ON CONFLICT');
  const names = stmt.cols?.length
    ? stmt.cols.map((c) => {
        const rt = 'ResTarget' in c ? c.ResTarget : {};
        if (rt.indirection?.length) throw ctx.unsupported('subscripts in INSERT column lists', rt.location);
        return { name: rt.name ?? '', location: rt.location };
      })
    : table.columns.map((c) => ({ name: c.name, location: undefined }));
  const targets = names.map(({ name, location }, i) => {
    const index = table.columns.findIndex((c) => c.name === name);
    if (index < 0) throw ctx.error(SqlState.UndefinedColumn, `column "${name}" of relation "${table.name}" does not exist`, location);
    if (names.findIndex((n) => n.name === name) !== i) throw ctx.error(DUPLICATE_COLUMN, `column "${name}" specified more than once`, location);
    return index;
  });
  const targetColumns = targets.map((i) => table.columns[i]!);

  const select = stmt.selectStmt && 'SelectStmt' in stmt.selectStmt ? stmt.selectStmt.SelectStmt : undefined;
  let source: { plan: Plan; width: number; typed: Typed[] };
  if (!select) {
    // INSERT ... DEFAULT VALUES: every column NULL.
    source = { plan: { op: 'constant', rows: [[[], 1]], arity: 0 }, width: 0, typed: [] };
  } else if (select.valuesLists?.length && !select.sortClause && !select.limitCount && !select.limitOffset && !select.withClause) {
    const v = planValues(select.valuesLists, ctx, targetColumns);
    source = { plan: v.plan, width: v.columns.length, typed: v.columns.map((c, i) => ({ expr: { op: 'col', index: i }, type: c.type, nullable: c.nullable, name: c.name })) };
  } else {
    const q = planQueryBody(select, ctx, new Map(), 'maintained');
    if (q.columns.length > targetColumns.length) throw ctx.error(SqlState.SyntaxError, 'INSERT has more expressions than target columns', locationOf(stmt.selectStmt));
    const typed = q.columns.map((c, i): Typed => {
      const col: Typed = { expr: { op: 'col', index: i }, type: q.nullColumns.has(i) ? null : c.type, nullable: c.nullable, name: c.name };
      return assignTo(col, targetColumns[i]!, ctx);
    });
    source = { plan: q.plan, width: q.columns.length, typed };
  }
  const exprs: Expr[] = table.columns.map((c, i) => {
    const k = targets.indexOf(i);
    if (k >= 0 && k < source.typed.length) return toExpr(source.typed[k]!.expr);
    return toExpr(nullOf(c.type).expr);
  });
  return finish('insert', table, projectExprs(source.plan, source.width, exprs), ctx, options);
}

/** DELETE FROM t [WHERE p]: the matching rows, each retracted (−1). */
export function planDelete(stmt: DeleteStmt, resolver: RelationResolver, options: WriteOptions = {}): PlannedWrite {
  const ctx = contextFor(resolver, options);
  const table = targetTable(stmt.relation, ctx, 'delete from');
  refuseReturning(stmt, ctx);
  if (stmt.usingClause?.length) throw ctx.unsupported('DELETE ... USING');
  const rows = matching(table.get, table.scope, stmt.whereClause, ctx);
  return finish('delete', table, { op: 'negate', input: rows }, ctx, options);
}

/** UPDATE t SET c = e, ... [WHERE p]: the old rows retracted, the new ones inserted. */
export function planUpdate(stmt: UpdateStmt, resolver: RelationResolver, options: WriteOptions = {}): PlannedWrite {
  const ctx = contextFor(resolver, options);
  const table = targetTable(stmt.relation, ctx, 'update');
  refuseReturning(stmt, ctx);
  if (stmt.fromClause?.length) throw ctx.unsupported('UPDATE ... FROM');
  const env = { ctx, scope: table.scope, clause: 'UPDATE' };
  const assigned = new Map<number, Expr>();
  for (const node of stmt.targetList ?? []) {
    const rt = 'ResTarget' in node ? node.ResTarget : {};
    if (rt.indirection?.length) throw ctx.unsupported('subscripts in UPDATE', rt.location);
    const val = rt.val as Node;
    if ('MultiAssignRef' in val) throw ctx.unsupported('SET (a, b) = (...)', rt.location);
    if ('SetToDefault' in val) throw ctx.unsupported('SET ... = DEFAULT', rt.location, 'set the column to NULL or a value');
    const index = table.columns.findIndex((c) => c.name === rt.name);
    if (index < 0) throw ctx.error(SqlState.UndefinedColumn, `column "${rt.name}" of relation "${table.name}" does not exist`, rt.location);
    if (assigned.has(index)) throw ctx.error(DUPLICATE_COLUMN, `multiple assignments to same column "${rt.name}"`, rt.location);
    assigned.set(index, toExpr(assignTo(planExpr(val, env), table.columns[index]!, ctx, locationOf(val)).expr));
  }
  const rows = matching(table.get, table.scope, stmt.whereClause, ctx);
  const n = table.columns.length;
  const updated = projectExprs(rows, n, table.columns.map((_, i) => assigned.get(i) ?? { op: 'col', index: i }));
  return finish('update', table, { op: 'union', inputs: [{ op: 'negate', input: rows }, updated] }, ctx, options);
}

function matching(get: Plan, scope: Scope, where: Node | undefined, ctx: PlanContext): Plan {
  if (!where) return get;
  const subqueries = new SubqueryCollector(new Map());
  const pred = planBool(where, { ctx, scope, clause: 'WHERE', subqueries }, 'argument of WHERE');
  return filterWithSubqueries(get, scope.columns.length, toExpr(pred.expr), subqueries, toExpr);
}

/** Throws 23502 if a row holds NULL in a NOT NULL column of `columns`. */
export function checkNotNull(columns: Column[], rows: Iterable<Row>): void {
  for (const row of rows) {
    columns.forEach((c, i) => {
      if (!c.nullable && (row[i] ?? null) === null) {
        throw new SqlError(SqlState.NotNullViolation, `null value in column "${c.name}" violates not-null constraint`);
      }
    });
  }
}
