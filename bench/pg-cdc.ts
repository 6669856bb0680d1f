/**
 * PostgreSQL CDC (`npm run bench -- --only pg-cdc`, issue #19): how fast a PostgreSQL source
 * ingests PostgreSQL's replication stream, and how soon a committed row is visible in a view.
 * PostgreSQL: test/helpers/logical-upstream.ts (5432 when it has wal_level=logical, else a private
 * cluster on DFN_BENCH_PG_PORT or a free port, stopped at the end).
 * - Ingest: ROWS rows (DFN_BENCH_CDC_ROWS, default 200,000) committed in ONE upstream transaction
 *   (pgoutput proto 1 sends a transaction only after its commit, so its write speed is out of
 *   the figure), timed from COMMIT until `SELECT count(*)` of the subsource shows them all.
 *   Baseline, earlier in the same run and alone: a plain `pg` client reading an equal
 *   transaction from a logical slot of its own (`pg_logical_slot_get_binary_changes` with the
 *   same pgoutput options, counted in the server). Then the same for SMALL_TXNS transactions of
 *   ROWS / SMALL_TXNS rows each, written on as many connections and committed all at once.
 *   Order: baseline slot made, big then small transactions committed, each read timed; the slot
 *   dropped; the source created (those rows come in its snapshot); then the source's turn.
 * - Latency: LATENCY_ROUNDS single-row autocommit INSERTs, each timed from sending it until a
 *   materialized view over the subsource (`max(id), count(*)`) shows it, polled back to back.
 *   Baseline: the INSERT's own round trip in PostgreSQL (send to commit acknowledged): what a
 *   writer waits for anyway. Also printed: a SELECT of that view in definite, for the poll's cost.
 */
import pg from 'pg';
import { StorageClient } from '../protocol/storage/client.js';
import { logicalUpstream } from '../test/helpers/logical-upstream.js';
import { connectClient, startControlPlatform, type Client } from './control.js';
import { figure, median, percentile, type Figure } from './figure.js';

const ROWS = Number(process.env['DFN_BENCH_CDC_ROWS'] ?? 200_000);
const SMALL_TXNS = Number(process.env['DFN_BENCH_CDC_TXNS'] ?? 20);
const LATENCY_ROUNDS = Number(process.env['DFN_BENCH_CDC_ROUNDS'] ?? 100);
const DB = 'dfn_bench_cdc';
const BASE_SLOT = 'dfn_bench_cdc_base';

const loadavg = async () => (await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ');

export async function benchPgCdc(): Promise<Figure[]> {
  const fixed = process.env['DFN_BENCH_PG_PORT'];
  const server = await logicalUpstream('dfn-bench-pgcdc', fixed ? Number(fixed) : undefined);
  const connect = async (database: string) => {
    const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', database });
    await c.connect();
    // The cluster runs with synchronous_commit=off; a walsender sends only flushed WAL, so a
    // commit acknowledged before its flush would reach neither reader until the WAL writer's
    // next round (wal_writer_delay): the writers commit as PostgreSQL does by default.
    await c.query('SET synchronous_commit = on');
    return c;
  };
  const admin = await connect('postgres');
  await admin.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '${DB}' AND NOT active`);
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DB}`);
  const up = await connect(DB);
  const writers: pg.Client[] = [];
  let p: Awaited<ReturnType<typeof startControlPlatform>> | undefined;
  let c: Client | undefined;
  try {
    await up.query('CREATE TABLE cdc_rows (id bigint NOT NULL, pad text NOT NULL); ALTER TABLE cdc_rows REPLICA IDENTITY FULL; CREATE PUBLICATION p FOR TABLE cdc_rows');
    for (let i = 0; i < SMALL_TXNS; i++) writers.push(await connect(DB));
    let next = 1;
    /** Inserts ROWS rows in one transaction, left open: its COMMIT is the caller's. */
    const bigTxn = async () => {
      await up.query('BEGIN');
      await up.query(`INSERT INTO cdc_rows SELECT g, 'row ' || g || ' of the bench' FROM generate_series(${next}, ${next + ROWS - 1}) AS g`);
      next += ROWS;
    };
    /** SMALL_TXNS transactions of ROWS / SMALL_TXNS rows, one per connection, left open. */
    const smallTxns = async () => {
      const per = Math.floor(ROWS / SMALL_TXNS);
      await Promise.all(writers.map(async (w, i) => {
        await w.query('BEGIN');
        await w.query(`INSERT INTO cdc_rows SELECT g, 'row ' || g || ' of the bench' FROM generate_series(${next + i * per}, ${next + (i + 1) * per - 1}) AS g`);
      }));
      next += per * SMALL_TXNS;
      return per * SMALL_TXNS;
    };
    const commitAll = () => Promise.all(writers.map((w) => w.query('COMMIT')));

    // Baseline: a logical slot of its own, read by a plain client after each commit.
    await up.query(`SELECT pg_create_logical_replication_slot('${BASE_SLOT}', 'pgoutput')`);
    const readSlot = async () => {
      const t0 = performance.now();
      const r = await up.query(`SELECT count(*)::int AS n FROM pg_logical_slot_get_binary_changes('${BASE_SLOT}', NULL, NULL, 'proto_version', '1', 'publication_names', 'p')`);
      return { ms: performance.now() - t0, messages: r.rows[0].n as number };
    };
    await bigTxn();
    await up.query('COMMIT');
    const baseBig = await readSlot();
    const smallRows = await smallTxns();
    await commitAll();
    const baseSmall = await readSlot();
    await up.query(`SELECT pg_drop_replication_slot('${BASE_SLOT}')`);
    console.log(`  baseline slot reads: ${ROWS} rows in 1 txn ${baseBig.ms.toFixed(0)} ms (${baseBig.messages} messages), ${smallRows} rows in ${SMALL_TXNS} txns ${baseSmall.ms.toFixed(0)} ms (${baseSmall.messages} messages); load ${await loadavg()}`);

    p = await startControlPlatform();
    c = await connectClient(p.url, 'bench-pg-cdc');
    const sql = c;
    const count = async () => Number(((await sql.sql('SELECT count(*) FROM cdc_rows'))[0]!.rows as [[number]])[0][0]);
    await c.sql("CREATE SECRET pgpass AS 'unused'");
    await c.sql(`CREATE CONNECTION pgc TO POSTGRES (HOST '127.0.0.1', PORT ${server.port}, USER 'postgres', PASSWORD SECRET pgpass, DATABASE '${DB}')`);
    const s0 = performance.now();
    await c.sql("CREATE SOURCE cdc FROM POSTGRES CONNECTION pgc (PUBLICATION 'p') FOR ALL TABLES");
    let have = next - 1;
    await untilCount(count, have);
    console.log(`  snapshot of ${have} rows visible in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
    const storage = new StorageClient(p.transport, p.region);
    const id = (await storage.list()).find((x) => x.kind === 'postgres')!.id;
    const stored = async () => (await storage.describe(id)).updates;
    await c.sql('CREATE MATERIALIZED VIEW cdc_m AS SELECT max(id) AS m, count(*) AS n FROM cdc_rows');
    const view = async () => ((await sql.sql('SELECT m, n FROM cdc_m'))[0]!.rows as Array<[number, number]>)[0];
    const viewCount = async () => Number((await view())?.[1] ?? 0);
    await untilCount(viewCount, have);

    /**
     * From the commit until the source's collection stores `want` updates (durable in STORAGE),
     * then until the view's count shows them, then one count(*) of the subsource: ms of each.
     */
    const timeIngest = async (commit: () => Promise<unknown>, want: number) => {
      const t0 = performance.now();
      await commit();
      const committed = performance.now() - t0;
      await untilCount(stored, want);
      const durable = performance.now() - t0;
      await untilCount(viewCount, want);
      const inView = performance.now() - t0;
      const lastPoll = await untilCount(count, want);
      return { ms: performance.now() - t0, committed, durable, inView, lastPoll };
    };
    await bigTxn();
    const big = await timeIngest(() => up.query('COMMIT'), (have += ROWS));
    await smallTxns();
    const small = await timeIngest(commitAll, (have += smallRows));
    const ingestLoad = await loadavg();
    const show = (x: typeof big) => `stored ${x.durable.toFixed(0)} ms, in the view ${x.inView.toFixed(0)} ms, count(*) of the subsource ${x.ms.toFixed(0)} ms (its own ${x.lastPoll.toFixed(0)} ms), COMMIT ${x.committed.toFixed(0)} ms`;
    console.log(`  source ingest after COMMIT: 1 txn: ${show(big)}; ${SMALL_TXNS} txns: ${show(small)}; load ${ingestLoad}`);

    // Latency: single-row autocommit INSERTs into the materialized view.
    let subSeen = 0;
    let subProgress = 0;
    const dbgSub = process.env['DFN_BENCH_CDC_DEBUG'] ? await storage.subscribe(id, (await storage.describe(id)).upper - 1, { updates: (u) => { subSeen += u.length; }, progress: () => { subProgress++; }, failed: () => undefined }, { snapshot: false }) : undefined;
    const e2e: number[] = [];
    const insert: number[] = [];
    const select: number[] = [];
    for (let k = 0; k < LATENCY_ROUNDS; k++) {
      const id = next++;
      const t0 = performance.now();
      await up.query(`INSERT INTO cdc_rows VALUES (${id}, 'latency')`);
      insert.push(performance.now() - t0);
      if (process.env['DFN_BENCH_CDC_DEBUG']) {
        const before = have++;
        await untilCount(stored, before + 1);
        console.log(`  debug: stored after ${(performance.now() - t0).toFixed(1)} ms`);
        const seen0 = subSeen;
        while (subSeen === seen0) await new Promise((r) => setImmediate(r));
        console.log(`  debug: subscribed update after ${(performance.now() - t0).toFixed(1)} ms (progress ${subProgress})`);
      }
      for (;;) {
        const q0 = performance.now();
        const row = await view();
        select.push(performance.now() - q0);
        if (Number(row?.[0]) >= id) break;
      }
      e2e.push(performance.now() - t0);
      if (dbgSub) console.log(`  debug: in the view after ${(performance.now() - t0).toFixed(1)} ms`);
    }
    const latencyLoad = await loadavg();
    console.log(`  latency: e2e p50 ${median(e2e).toFixed(1)} p99 ${percentile(e2e, 99).toFixed(1)} ms; INSERT round trip p50 ${median(insert).toFixed(2)} ms; SELECT of the view p50 ${median(select).toFixed(2)} ms; load ${latencyLoad}`);

    const rate = (rows: number, ms: number) => rows / (ms / 1000);
    const rateTarget = { text: '>= 100,000 rows/s and ratio >= 0.7', check: (v: number, r: number | undefined) => v >= 100_000 && (r ?? 0) >= 0.7 };
    return [
      figure(`PostgreSQL source ingest, ${ROWS} rows in 1 upstream txn, COMMIT to stored in the source's collection (load ${ingestLoad})`, rate(ROWS, big.durable), 'rows/s',
        { name: 'a plain pg client reading an equal txn from a logical slot (pgoutput proto 1)', value: rate(ROWS, baseBig.ms) }, rateTarget),
      figure(`PostgreSQL source ingest, ${ROWS} rows in 1 upstream txn, COMMIT to count(*) of a materialized view over the subsource`, rate(ROWS, big.inView), 'rows/s',
        { name: 'the slot read as above', value: rate(ROWS, baseBig.ms) }, rateTarget),
      figure(`PostgreSQL source ingest, ${ROWS} rows in 1 upstream txn, COMMIT to SELECT count(*) of the subsource (polled after the view)`, rate(ROWS, big.ms), 'rows/s',
        { name: 'the slot read as above', value: rate(ROWS, baseBig.ms) }),
      figure(`PostgreSQL source ingest, ${smallRows} rows in ${SMALL_TXNS} upstream txns committed at once, to stored (load ${ingestLoad})`, rate(smallRows, small.durable), 'rows/s',
        { name: 'a plain pg client reading equal txns from a logical slot', value: rate(smallRows, baseSmall.ms) }, rateTarget),
      figure(`PostgreSQL source ingest, ${smallRows} rows in ${SMALL_TXNS} upstream txns committed at once, to count(*) of the materialized view`, rate(smallRows, small.inView), 'rows/s',
        { name: 'the slot read as above', value: rate(smallRows, baseSmall.ms) }, rateTarget),
      figure(`PostgreSQL autocommit INSERT visible in a materialized view over the source, p50 of ${LATENCY_ROUNDS} (load ${latencyLoad})`, median(e2e), 'ms',
        { name: 'the INSERT round trip in PostgreSQL (send to commit acknowledged)', value: median(insert) }, { text: 'p50 < 20 ms', check: (v) => v < 20 }),
      figure(`PostgreSQL autocommit INSERT visible in a materialized view over the source, p99 of ${LATENCY_ROUNDS}`, percentile(e2e, 99), 'ms',
        { name: 'the INSERT round trip in PostgreSQL, p99', value: percentile(insert, 99) }),
      figure('SELECT of that materialized view in definite (the poll), p50', median(select), 'ms'),
    ];
  } finally {
    await c?.close().catch(() => undefined);
    await p?.stop();
    for (const w of writers) await w.end().catch(() => undefined);
    await up.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
    server.stop();
  }
}

/** Polls `count` back to back until it reaches `want`; the last poll's ms. */
async function untilCount(count: () => Promise<number>, want: number): Promise<number> {
  const deadline = performance.now() + 600_000;
  for (;;) {
    const t0 = performance.now();
    const n = await count();
    if (n > want) throw new Error(`count ${n} past the ${want} rows committed`);
    if (n === want) return performance.now() - t0;
    if (performance.now() > deadline) throw new Error(`still ${n} of ${want} rows after 600 s`);
  }
}
