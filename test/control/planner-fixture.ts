/**
 * A small catalog with data (NULLs, duplicates, an empty table, views) for the planner tests, and
 * `query()`: plan SQL, evaluate the plan with the reference evaluator, apply the finishing. Every
 * query is also evaluated unoptimized, and both results must agree, so each result test is also
 * a test of the optimizer.
 */
import { loadSqlParser, planQueryText, applyFinishing, type PlannedQuery, type RelationResolver, type ResolvedRelation } from '../../actors/control/sql/index.js';
import { evaluatePlan } from '../../protocol/compute/reference.js';
import { compareRows } from '../../protocol/compute/row.js';
import { isPlan, planArity } from '../../protocol/compute/plan.js';
import { SqlError } from '../../protocol/control/errors.js';
import type { Column, Row } from '../../protocol/types.js';

const col = (name: string, type: Column['type'], nullable = true): Column => ({ name, type, nullable });

export const TABLES: Record<string, { id: string; columns: Column[]; rows: Row[] }> = {
  emp: {
    id: 'u1',
    columns: [col('id', 'int', false), col('name', 'text', false), col('dept', 'int'), col('salary', 'numeric'), col('active', 'bool')],
    rows: [
      [1, 'ann', 10, 100, true],
      [2, 'bob', 10, 200, false],
      [3, 'cat', 20, null, true],
      [4, 'dan', null, 50, null],
      [5, 'eve', 30, 300, true],
    ],
  },
  dept: {
    id: 'u2',
    columns: [col('id', 'int', false), col('dname', 'text', false), col('budget', 'float')],
    rows: [
      [10, 'eng', 1000.5],
      [20, 'ops', null],
      [40, 'hr', 10],
    ],
  },
  empty: { id: 'u3', columns: [col('x', 'int'), col('y', 'text')], rows: [] },
  nums: { id: 'u4', columns: [col('n', 'int')], rows: [[1], [1], [2], [null], [null], [3]] },
  nums2: { id: 'u5', columns: [col('n', 'int')], rows: [[1], [2], [2], [null], [4]] },
  ts: { id: 'u6', columns: [col('at', 'timestamp', false), col('f', 'float'), col('s', 'text')], rows: [[Date.UTC(2024, 0, 1), 1.25, ' Hi '], [Date.UTC(2024, 5, 1, 12), -2.5, null]] },
};

export const VIEWS: Record<string, { id: string; query: string; columns?: Column[] }> = {
  eng: { id: 'u10', query: 'SELECT id, name FROM emp WHERE dept = 10' },
  eng_names: { id: 'u11', query: 'SELECT upper(name) AS uname FROM eng' },
  renamed: { id: 'u12', query: 'SELECT id, dname FROM dept', columns: [col('k', 'int', false), col('label', 'text', false)] },
  loop_a: { id: 'u13', query: 'SELECT * FROM loop_b' },
  loop_b: { id: 'u14', query: 'SELECT * FROM loop_a' },
  broken: { id: 'u15', query: 'SELECT nope FROM emp' },
};

export const resolver: RelationResolver = (name, schema): ResolvedRelation | undefined => {
  if (schema !== undefined && schema !== 'public') return undefined;
  const t = TABLES[name];
  if (t) return { kind: 'table', id: t.id, columns: t.columns };
  const v = VIEWS[name];
  if (v) return { kind: 'view', id: v.id, query: v.query, ...(v.columns ? { columns: v.columns } : {}) };
  return undefined;
};

export function inputsFor(planned: { inputs: Array<{ name: string; id: string }> }): Map<string, Array<[Row, number]>> {
  const byId = new Map(Object.values(TABLES).map((t) => [t.id, t]));
  return new Map(planned.inputs.map((i) => [i.name, byId.get(i.id)!.rows.map((r): [Row, number] => [r, 1])]));
}

export async function setup(): Promise<void> {
  await loadSqlParser();
}

export interface QueryResult {
  rows: Row[];
  columns: Column[];
  planned: PlannedQuery;
}

/** Plans and evaluates `sql`; checks the plan is well-formed and that optimizing changed nothing. */
export function query(sql: string): QueryResult {
  const planned = planQueryText(sql, resolver);
  const raw = planQueryText(sql, resolver, { optimize: false });
  for (const p of [planned, raw]) {
    if (!isPlan(p.plan)) throw new Error(`not a plan: ${JSON.stringify(p.plan)}`);
    planArity(p.plan);
  }
  const rows = applyFinishing(evaluatePlan(planned.plan, inputsFor(planned)), planned.finishing);
  const rawRows = applyFinishing(evaluatePlan(raw.plan, inputsFor(raw)), raw.finishing);
  expect(rows).toEqual(rawRows);
  return { rows, columns: planned.columns, planned };
}

/** The rows of `sql`, in the order the query gives them. */
export function rows(sql: string): Row[] {
  return query(sql).rows;
}

/** The rows of `sql` as a sorted multiset (for queries without ORDER BY). */
export function bag(sql: string): Row[] {
  return sorted(query(sql).rows);
}

export function sorted(rs: Row[]): Row[] {
  return [...rs].sort(compareRows);
}

/** The SqlError `f` throws (fails the test if it throws none or something else). */
export function sqlError(f: () => unknown): SqlError {
  try {
    f();
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error('expected a SqlError, got none');
}

/** The SQLSTATE of planning `sql`. */
export function errorOf(sql: string): { sqlstate: string; message: string; position?: number } {
  const e = sqlError(() => query(sql));
  const position = e.details['position'];
  return { sqlstate: e.sqlstate, message: e.message, ...(typeof position === 'number' ? { position } : {}) };
}
