/**
 * The drill's actions through CONTROL (SQL over NATS request/reply, as any client): tables with a
 * materialized view each and a SUBSCRIBE that stays connected, counter sources with their check
 * view, INSERT bursts with a read-your-writes check in a second session, plain views, and a
 * cluster created, given a materialized view and dropped again. Every DDL statement uses
 * IF [NOT] EXISTS so that retrying it after a CONTROL restart is safe.
 */
import type { Action } from './actions.js';
import type { DrillContext } from './context.js';
import { SqlSubscriber } from './sql-subscribe.js';
import type { SqlTableModel } from './sql-model.js';
import { createSink } from './sql-sinks.js';

const MAX_TABLES = 3;
const MAX_COUNTERS = 2;

/** The materialized view over every drill table, and its recomputation (drill/sql-validations.ts). */
export const AGG_QUERY = (table: string) => `SELECT k % 5 AS g, count(*) AS n, sum(v) AS s FROM ${table} GROUP BY k % 5`;

async function createTable(ctx: DrillContext): Promise<string> {
  const name = ctx.sql.newName('t');
  const view = `${name}_agg`;
  await ctx.sqlA.read(`CREATE TABLE IF NOT EXISTS ${name} (k int NOT NULL, v int)`);
  await ctx.sqlA.read(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${view} AS ${AGG_QUERY(name)}`);
  const m: SqlTableModel = { name, view, acknowledged: new Set(), unknown: new Set(), nextKey: 1 };
  ctx.sql.tables.set(name, m);
  const s = new SqlSubscriber(ctx.platform.transport, ctx.platform.region, view);
  // broken-drill fault injection: the first SQL subscriber loses the 2nd update it receives
  if (ctx.inject.includes('drop-subscriber-update') && ctx.sql.tables.size === 1) s.model.dropNth = 2;
  await s.start();
  ctx.sqlSubs.set(view, s);
  m.subscriber = s.model;
  return `created table ${name} and materialized view ${view} (subscribed)`;
}

export async function insertBurst(ctx: DrillContext, m: SqlTableModel): Promise<string> {
  const statements = ctx.rng.int(5, 30);
  let rows = 0;
  for (let i = 0; i < statements; i++) {
    const n = ctx.rng.int(1, 10);
    const first = m.nextKey;
    m.nextKey += n;
    const values = Array.from({ length: n }, (_, j) => `(${first + j}, ${ctx.rng.int(0, 100)})`).join(', ');
    // broken-drill fault injection: count a row as acknowledged that was never sent
    if (ctx.inject.includes('phantom-ack') && i === 0) m.acknowledged.add(m.nextKey++);
    const out = await ctx.sqlA.write(`INSERT INTO ${m.name} VALUES ${values}`);
    if (!out.ok) {
      if (out.unknown) for (let k = first; k < first + n; k++) m.unknown.add(k);
      continue;
    }
    for (let k = first; k < first + n; k++) m.acknowledged.add(k);
    rows += n;
    // read-your-writes, across sessions: a strict-serializable read that starts after the
    // acknowledgement sees the rows and is served at or after the write's timestamp
    const ts = out.result.timestamp ?? 0;
    const seen = await ctx.sqlB.rows(`SELECT count(*) FROM ${m.name} WHERE k >= ${first} AND k < ${first + n}`);
    if (Number(seen.rows[0]?.[0]) !== n || seen.timestamp < ts) {
      ctx.violate('read-your-writes', `${m.name}: INSERT of keys ${first}..${first + n - 1} acknowledged at ${ts}; a read in another session at ${seen.timestamp} saw ${seen.rows[0]?.[0]} of ${n}`);
    }
  }
  return `${rows} rows inserted into ${m.name} in ${statements} statements`;
}

export const SQL_ACTIONS: Action[] = [
  {
    name: 'create-sql-table',
    needs: ['control', 'compute'],
    weight: 2,
    when: (ctx) => ctx.sql.tables.size < MAX_TABLES,
    firstOf: (ctx) => ctx.sql.tables.size === 0,
    run: createTable,
  },
  {
    name: 'drop-sql-table',
    needs: ['control', 'compute'],
    weight: 1,
    when: (ctx) => ctx.sql.tables.size > 1,
    run: async (ctx) => {
      const m = ctx.rng.pick([...ctx.sql.tables.values()]);
      ctx.sql.tables.delete(m.name);
      ctx.sqlSubs.get(m.view)?.cancel();
      ctx.sqlSubs.delete(m.view);
      await ctx.sqlA.read(`DROP TABLE IF EXISTS ${m.name} CASCADE`);
      return `dropped table ${m.name} and its views`;
    },
  },
  {
    name: 'create-sql-sink',
    needs: ['control', 'compute'],
    weight: 1,
    when: (ctx) => [...ctx.sql.tables.values()].some((m) => !m.sink),
    // every drill gets one sink early, so the faults meet it
    firstOf: (ctx) => ![...ctx.sql.tables.values()].some((m) => m.sink),
    run: (ctx) => createSink(ctx, ctx.rng.pick([...ctx.sql.tables.values()].filter((m) => !m.sink))),
  },
  {
    name: 'sql-insert-burst',
    needs: ['control', 'compute'],
    weight: 5,
    when: (ctx) => ctx.sql.tables.size > 0,
    run: (ctx) => insertBurst(ctx, ctx.rng.pick([...ctx.sql.tables.values()])),
  },
  {
    name: 'create-sql-counter',
    needs: ['control', 'compute'],
    weight: 1,
    when: (ctx) => ctx.sql.counters.size < MAX_COUNTERS,
    firstOf: (ctx) => ctx.sql.counters.size === 0,
    run: async (ctx) => {
      const name = ctx.sql.newName('c');
      const view = `${name}_check`;
      await ctx.sqlA.read(`CREATE SOURCE IF NOT EXISTS ${name} FROM GENERATOR COUNTER (TICK INTERVAL '100 ms')`);
      await ctx.sqlA.read(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${view} AS SELECT min(counter), max(counter), count(*), count(DISTINCT counter) FROM ${name}`);
      ctx.sql.counters.set(name, { name, view });
      return `created counter source ${name} and its check view ${view}`;
    },
  },
  {
    name: 'view-cycle',
    needs: ['control', 'compute'],
    weight: 1,
    when: (ctx) => ctx.sql.tables.size > 0,
    run: async (ctx) => {
      const m = ctx.rng.pick([...ctx.sql.tables.values()]);
      const view = `${m.name}_big`;
      await ctx.sqlA.read(`CREATE VIEW ${view} AS SELECT k, v FROM ${m.name} WHERE v >= 50`);
      const { rows: viaView, timestamp } = await ctx.sqlB.rows(`SELECT k, v FROM ${view}`);
      const { rows: direct } = await ctx.sqlB.rows(`SELECT k, v FROM ${m.name} AS OF ${timestamp}`);
      const want = direct.filter((r) => Number(r[1]) >= 50);
      if (JSON.stringify(sortRows(viaView)) !== JSON.stringify(sortRows(want))) {
        ctx.violate('view-mismatch', `${view}: ${viaView.length} rows at ${timestamp}, the recomputation from ${m.name} has ${want.length}`);
      }
      await ctx.sqlA.read(`DROP VIEW IF EXISTS ${view}`);
      return `view ${view} created, checked (${viaView.length} rows) and dropped`;
    },
  },
  {
    name: 'cluster-cycle',
    needs: ['control', 'compute'],
    weight: 1,
    when: (ctx) => ctx.sql.tables.size > 0,
    run: async (ctx) => {
      const m = ctx.rng.pick([...ctx.sql.tables.values()]);
      const cluster = ctx.sql.newName('k');
      const view = `${m.name}_on_${cluster}`;
      await ctx.sqlA.read(`CREATE CLUSTER IF NOT EXISTS ${cluster}`);
      await ctx.sqlA.read(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${view} IN CLUSTER ${cluster} AS ${AGG_QUERY(m.name)}`);
      const { rows: got, timestamp } = await ctx.sqlB.rows(`SELECT * FROM ${view}`);
      const { rows: want } = await ctx.sqlB.rows(`SELECT * FROM ${m.view} AS OF ${timestamp}`);
      if (JSON.stringify(sortRows(got)) !== JSON.stringify(sortRows(want))) {
        ctx.violate('view-mismatch', `${view} on a new cluster differs from ${m.view} at ${timestamp}`);
      }
      await ctx.sqlA.read(`DROP CLUSTER IF EXISTS ${cluster} CASCADE`);
      return `cluster ${cluster} created with ${view}, checked and dropped`;
    },
  },
];

export function sortRows(rows: unknown[][]): unknown[][] {
  return rows.map((r) => JSON.stringify(r)).sort().map((r) => JSON.parse(r) as unknown[]);
}
