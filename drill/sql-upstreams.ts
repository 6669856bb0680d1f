/**
 * The drill's real upstreams (issue #19): an upsert source on a JetStream stream, a webhook
 * source (POSTs to the environment process's webhook front end) and, when the
 * drill is given a PostgreSQL server with wal_level=logical (`--postgres-port`), a PostgreSQL CDC
 * source. Bursts write to the upstream itself (JetStream publishes, PostgreSQL transactions of
 * INSERT / UPDATE / DELETE); after every step the source must come to hold exactly the upstream's
 * state: the upsert replay of every acknowledged message (`upsert-mismatch`), PostgreSQL's table
 * (`pg-source-mismatch`), one row per key; the webhook source every acknowledged body exactly
 * once (`webhook-lost`, `webhook-duplicated`, `webhook-unexpected`). Faults meet them like any other source: the storage
 * host that ingests them is killed, paused and restarted, NATS with it.
 */
import { headers as natsHeaders } from '@nats-io/transport-node';
import pg from 'pg';
import type { Action } from './actions.js';
import type { DrillContext } from './context.js';
import { sortRows } from './sql-actions.js';
import { until } from './until.js';

/** An upsert source over a JetStream subject: what its acknowledged messages set. */
export interface UpsertModel {
  name: string;
  stream: string;
  subject: string;
  state: Map<number, number>;
  messages: number;
}

/** A PostgreSQL table `name (k int PRIMARY KEY, v int)` and the definite source reading it. */
export interface PgSourceModel {
  table: string;
  source: string;
  nextKey: number;
  transactions: number;
}

/** A webhook source: the ids of the bodies POSTed to it, by what their answer said. */
export interface WebhookModel {
  name: string;
  acknowledged: Set<string>;
  /** Sent, but the answer never came: may have landed, at most once. */
  unknown: Set<string>;
  next: number;
}

/** The drill's upstreams, beside its SQL model. */
export class UpstreamModel {
  readonly upserts = new Map<string, UpsertModel>();
  readonly webhooks = new Map<string, WebhookModel>();
  readonly pg = new Map<string, PgSourceModel>();
  /** A client of the drill's PostgreSQL database, once a PostgreSQL source exists. */
  client: pg.Client | undefined;
}

const MAX_KEYS = 30;

async function createUpsertSource(ctx: DrillContext): Promise<string> {
  const name = ctx.sql.newName('u');
  const stream = `DRILL_${name.toUpperCase()}`;
  const subject = `drill.${name}.upsert`;
  await until(() => ctx.jsm.streams.add({ name: stream, subjects: [subject], num_replicas: ctx.nats.size }), `stream ${stream} created`);
  await ctx.sqlA.read(`CREATE SOURCE IF NOT EXISTS ${name} FROM JETSTREAM STREAM '${stream}' SUBJECT '${subject}' FORMAT JSON (k int NOT NULL, v int) KEY (k) ENVELOPE UPSERT`);
  ctx.upstreams.upserts.set(name, { name, stream, subject, state: new Map(), messages: 0 });
  return `created upsert source ${name} on ${stream}; ${await upsertBurst(ctx, ctx.upstreams.upserts.get(name)!)}`;
}

/** Random sets and deletes, each published until JetStream acknowledges it (its message id makes a retry land once). */
async function upsertBurst(ctx: DrillContext, u: UpsertModel): Promise<string> {
  const n = ctx.rng.int(5, 40);
  let deletes = 0;
  for (let i = 0; i < n; i++) {
    const k = ctx.rng.int(1, MAX_KEYS);
    const del = u.state.has(k) && ctx.rng.int(0, 3) === 0;
    const h = natsHeaders();
    if (del) h.set('Dfn-Key', JSON.stringify({ k }));
    const v = ctx.rng.int(0, 1000);
    const data = del ? new Uint8Array() : new TextEncoder().encode(JSON.stringify({ k, v }));
    const msgID = `${u.name}:${u.messages}`;
    await until(() => ctx.js.publish(u.subject, data, { msgID, headers: h }), `${u.name}: message ${u.messages} acknowledged`);
    u.messages++;
    // broken-drill fault injection: count a set as acknowledged that was never published
    if (ctx.inject.includes('phantom-ack') && u.messages === 1) u.state.set(MAX_KEYS + 1, 0);
    if (del) {
      u.state.delete(k);
      deletes++;
    } else u.state.set(k, v);
  }
  return `${n} upserts (${deletes} deletes) published to ${u.stream}`;
}

async function createPgSource(ctx: DrillContext): Promise<string> {
  const c = await pgClient(ctx);
  const table = ctx.sql.newName('p');
  const source = `${table}_src`;
  await c.query(`CREATE TABLE IF NOT EXISTS ${table} (k int PRIMARY KEY, v int)`);
  await c.query(`ALTER TABLE ${table} REPLICA IDENTITY FULL`); // the source needs every old row (docs/sources-postgres.md)
  await c.query(`DROP PUBLICATION IF EXISTS ${table}_pub`);
  await c.query(`CREATE PUBLICATION ${table}_pub FOR TABLE ${table}`);
  await ctx.sqlA.read(`CREATE SECRET IF NOT EXISTS drill_pg_pass AS 'unused'`);
  await ctx.sqlA.read(`CREATE CONNECTION IF NOT EXISTS drill_pg TO POSTGRES (HOST '127.0.0.1', PORT ${ctx.postgresPort}, USER 'postgres', PASSWORD SECRET drill_pg_pass, DATABASE '${pgDatabase(ctx)}')`);
  await ctx.sqlA.read(`CREATE SOURCE IF NOT EXISTS ${source} FROM POSTGRES CONNECTION drill_pg (PUBLICATION '${table}_pub') FOR TABLES (${table} AS ${table})`);
  const m: PgSourceModel = { table, source, nextKey: 1, transactions: 0 };
  ctx.upstreams.pg.set(table, m);
  const burst = await pgBurst(ctx, m);
  if (ctx.inject.includes('pg-unpublish')) {
    // broken-drill fault injection: once the source has caught up, the table leaves the
    // publication, so the next transactions never reach the source
    await checkUpstreams(ctx);
    await c.query(`ALTER PUBLICATION ${table}_pub DROP TABLE ${table}`);
    await pgBurst(ctx, m);
  }
  return `created PostgreSQL table ${table} and source ${source}; ${burst}`;
}

/** A few PostgreSQL transactions, each of inserts, updates and deletes. */
async function pgBurst(ctx: DrillContext, m: PgSourceModel): Promise<string> {
  const c = await pgClient(ctx);
  const n = ctx.rng.int(2, 8);
  for (let i = 0; i < n; i++) {
    const first = m.nextKey;
    const rows = ctx.rng.int(1, 10);
    m.nextKey += rows;
    const values = Array.from({ length: rows }, (_, j) => `(${first + j}, ${ctx.rng.int(0, 100)})`).join(', ');
    await c.query('BEGIN');
    await c.query(`INSERT INTO ${m.table} VALUES ${values}`);
    await c.query(`UPDATE ${m.table} SET v = v + 1 WHERE k % 7 = ${ctx.rng.int(0, 6)}`);
    await c.query(`DELETE FROM ${m.table} WHERE k % 11 = ${ctx.rng.int(0, 10)} AND k < ${first}`);
    await c.query('COMMIT');
    m.transactions++;
  }
  return `${n} PostgreSQL transactions on ${m.table}`;
}

async function createWebhookSource(ctx: DrillContext): Promise<string> {
  const name = ctx.sql.newName('w');
  await ctx.sqlA.read(`CREATE SOURCE IF NOT EXISTS ${name} FROM WEBHOOK BODY FORMAT JSON`);
  const w: WebhookModel = { name, acknowledged: new Set(), unknown: new Set(), next: 0 };
  ctx.upstreams.webhooks.set(name, w);
  return `created webhook source ${name}; ${await webhookBurst(ctx, w)}`;
}

/**
 * POSTs 5..30 bodies, each with an id of its own. A 200 means durable; an error answer means
 * nothing was written and the POST is sent again; a refused connection (the environment process
 * restarting) sent nothing, so it is sent again too; a request cut off after it was sent may or
 * may not have landed (unknown).
 */
async function webhookBurst(ctx: DrillContext, w: WebhookModel): Promise<string> {
  const n = ctx.rng.int(5, 30);
  let unknown = 0;
  for (let i = 0; i < n; i++) {
    const id = `${w.name}:${w.next++}`;
    // broken-drill fault injection: count a POST as acknowledged that was never sent
    if (ctx.inject.includes('phantom-ack') && w.next === 1) {
      w.acknowledged.add(`${id}-phantom`);
    }
    const outcome = await until(async () => {
      const port = ctx.platform.webhookPort();
      if (!port) return undefined;
      try {
        const r = await fetch(`http://127.0.0.1:${port}/api/webhook/materialize/public/${w.name}`, { method: 'POST', body: JSON.stringify({ id }), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000) });
        await r.arrayBuffer();
        return r.status === 200 ? 'ok' : undefined;
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code;
        return code === 'ECONNREFUSED' ? undefined : 'unknown';
      }
    }, `${w.name}: POST of ${id} answered`);
    if (outcome === 'ok') w.acknowledged.add(id);
    else {
      w.unknown.add(id);
      unknown++;
    }
  }
  return `${n} webhook POSTs to ${w.name} (${unknown} unanswered)`;
}

function pgDatabase(ctx: DrillContext): string {
  return `drill_${ctx.platform.region}`;
}

/** The drill's own database on the given server, created on first use. */
async function pgClient(ctx: DrillContext): Promise<pg.Client> {
  if (ctx.upstreams.client) return ctx.upstreams.client;
  const admin = new pg.Client({ host: '127.0.0.1', port: ctx.postgresPort, user: 'postgres', database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pgDatabase(ctx)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${pgDatabase(ctx)}`);
  } finally {
    await admin.end();
  }
  const c = new pg.Client({ host: '127.0.0.1', port: ctx.postgresPort, user: 'postgres', database: pgDatabase(ctx) });
  await c.connect();
  ctx.upstreams.client = c;
  return c;
}

export const UPSTREAM_ACTIONS: Action[] = [
  {
    name: 'create-upsert-source',
    needs: ['control', 'compute'],
    weight: 1,
    when: (ctx) => ctx.upstreams.upserts.size < 2,
    firstOf: (ctx) => ctx.upstreams.upserts.size === 0,
    run: createUpsertSource,
  },
  {
    name: 'upsert-burst',
    needs: ['control', 'compute'],
    weight: 2,
    when: (ctx) => ctx.upstreams.upserts.size > 0,
    run: (ctx) => upsertBurst(ctx, ctx.rng.pick([...ctx.upstreams.upserts.values()])),
  },
  {
    name: 'create-webhook-source',
    needs: ['control', 'compute'],
    weight: 1,
    when: (ctx) => ctx.upstreams.webhooks.size < 1,
    firstOf: (ctx) => ctx.upstreams.webhooks.size === 0,
    run: createWebhookSource,
  },
  {
    name: 'webhook-burst',
    needs: ['control', 'compute'],
    weight: 2,
    when: (ctx) => ctx.upstreams.webhooks.size > 0,
    run: (ctx) => webhookBurst(ctx, ctx.rng.pick([...ctx.upstreams.webhooks.values()])),
  },
  {
    name: 'create-pg-source',
    needs: ['control', 'compute'],
    weight: 1,
    when: (ctx) => ctx.postgresPort !== undefined && ctx.upstreams.pg.size < 1,
    firstOf: (ctx) => ctx.postgresPort !== undefined && ctx.upstreams.pg.size === 0,
    run: createPgSource,
  },
  {
    name: 'pg-burst',
    needs: ['control', 'compute'],
    weight: 2,
    when: (ctx) => ctx.upstreams.pg.size > 0,
    run: (ctx) => pgBurst(ctx, ctx.rng.pick([...ctx.upstreams.pg.values()])),
  },
];

/** Each upstream's source holds exactly the upstream's state once it has caught up. */
export async function checkUpstreams(ctx: DrillContext): Promise<void> {
  for (const u of ctx.upstreams.upserts.values()) {
    const want = sortRows([...u.state].map(([k, v]) => [k, v]));
    await caughtUp(ctx, 'upsert-mismatch', u.name, `SELECT k, v FROM ${u.name}`, () => want, `the replay of ${u.messages} acknowledged messages`);
  }
  for (const w of ctx.upstreams.webhooks.values()) checkWebhook(ctx, w, (await ctx.sqlB.rows(`SELECT body::text FROM ${w.name}`)).rows);
  for (const m of ctx.upstreams.pg.values()) {
    const want = sortRows((await ctx.upstreams.client!.query({ text: `SELECT k, v FROM ${m.table}`, rowMode: 'array' })).rows as unknown[][]);
    await caughtUp(ctx, 'pg-source-mismatch', m.source, `SELECT k, v FROM ${m.table}`, () => want, `PostgreSQL's ${m.table} after ${m.transactions} transactions`);
  }
}

/** Every acknowledged POST's body exactly once, an unanswered one at most once, nothing else (a 200 means visible: no waiting). */
function checkWebhook(ctx: DrillContext, w: WebhookModel, rows: unknown[][]): void {
  const seen = new Map<string, number>();
  for (const [body] of rows) {
    const id = String((JSON.parse(String(body)) as { id: unknown }).id);
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  const lost = [...w.acknowledged].filter((id) => !seen.has(id));
  const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  const unexpected = [...seen.keys()].filter((id) => !w.acknowledged.has(id) && !w.unknown.has(id));
  if (lost.length) ctx.violate('webhook-lost', `${w.name}: acknowledged POSTs missing: ${lost.slice(0, 10).join(', ')}`);
  if (twice.length) ctx.violate('webhook-duplicated', `${w.name}: bodies more than once: ${twice.slice(0, 10).join(', ')}`);
  if (unexpected.length) ctx.violate('webhook-unexpected', `${w.name}: bodies never sent: ${unexpected.slice(0, 10).join(', ')}`);
}

async function caughtUp(ctx: DrillContext, kind: string, name: string, sql: string, want: () => unknown[][], what: string): Promise<void> {
  let got: unknown[][] = [];
  if (ctx.violations.some((v) => v.kind === kind && v.detail.startsWith(`${name}:`))) return; // reported once; do not wait again
  try {
    await until(async () => {
      got = sortRows((await ctx.sqlB.rows(sql)).rows);
      return JSON.stringify(got) === JSON.stringify(want());
    }, `${name} caught up`, 30_000, 100);
  } catch {
    ctx.violate(kind, `${name}: reads ${got.length} rows ${JSON.stringify(got).slice(0, 300)}, ${what} has ${want().length}: ${JSON.stringify(want()).slice(0, 300)}`);
  }
}

/** Closes the PostgreSQL client (the database stays for --keep). */
export async function closeUpstreams(ctx: DrillContext): Promise<void> {
  await ctx.upstreams.client?.end().catch(() => undefined);
}
