/**
 * PostgreSQL change-data-capture sources (issue #19) against a real PostgreSQL with
 * wal_level=logical (test/helpers/postgres.ts logicalServer: 5432 when it has it, else a private
 * cluster) and a real platform: the snapshot then streamed INSERT/UPDATE/DELETE, subsources in
 * views, a multi-table upstream transaction at one definite timestamp, a SIGKILL of the storage
 * host mid-stream (nothing lost or duplicated, the slot's confirmed LSN advancing), TRUNCATE and
 * a dropped publication stalling the source with the reason, DROP SOURCE dropping the slot,
 * secrets never printed, and bad input refused with typed errors, changing nothing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { StorageClient } from '../../protocol/storage/client.js';
import type { Update } from '../../protocol/types.js';
import { signal } from '../../runtime/process-util.js';
import { eventually, setupNats, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectLogical, logicalServer } from '../helpers/postgres.js';
import { connectClient, type SqlClient } from './sql-client.js';

const region = 'pgcdc';
const DB = 'dfn_pgcdc';
const SECRET = 'hunter2-never-print-me';
let nats: TestNats;
let p: TestPlatform;
let a: SqlClient;
let up: pg.Client;
let port: number;

beforeAll(async () => {
  port = (await logicalServer()).port;
  up = await connectLogical({ database: DB, fresh: true });
  await up.query(`
    CREATE TABLE a (id int PRIMARY KEY, name text NOT NULL, amount numeric, at timestamptz, d date, big bigint, ok bool, raw bytea, u uuid);
    CREATE TABLE b (k bigint PRIMARY KEY, v text);
    ALTER TABLE a REPLICA IDENTITY FULL;
    ALTER TABLE b REPLICA IDENTITY FULL;
    INSERT INTO a VALUES (1, 'one', 1.5, '2024-01-02 03:04:05.678+00', '2024-01-02', 9007199254740991, true, '\\x0a0b', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
                         (2, 'two', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    INSERT INTO b VALUES (1, 'x');
    CREATE PUBLICATION p FOR TABLE a, b;`);
  nats = await setupNats();
  p = await startPlatform(nats, region);
  a = await connectClient(nats, region);
  await a.sql(`CREATE SECRET pgpass AS '${SECRET}'`);
  await a.sql(`CREATE CONNECTION pgc TO POSTGRES (HOST '127.0.0.1', PORT ${port}, USER 'postgres', PASSWORD SECRET pgpass, DATABASE '${DB}')`);
});
afterAll(async () => {
  await a?.close();
  await p?.cleanup();
  await nats?.cleanup();
  // Slots left by a failed test would keep WAL on the shared server.
  await up?.query(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'dfn_pgcdc_%' AND NOT active`).catch(() => undefined);
  await up?.end();
});

const sorted = async (sql: string) => a.rows(sql);
async function until(sql: string, expected: unknown[][], what: string): Promise<void> {
  let last: unknown;
  try {
    await eventually(async () => {
      last = await sorted(sql);
      return JSON.stringify(last) === JSON.stringify(expected);
    }, what);
  } catch (err) {
    throw new Error(`${(err as Error).message}: last ${JSON.stringify(last)}, expected ${JSON.stringify(expected)}`);
  }
}

async function statusOf(name: string): Promise<{ status: string; error: string | null }> {
  const rows = await a.rows('SHOW SOURCE STATUSES');
  const row = rows.find((r) => r[0] === name);
  if (!row) throw new Error(`no source ${name}`);
  return { status: row[2] as string, error: row[3] as string | null };
}

/** The collection of source `pg`: the first postgres source created here. */
async function collectionOf(): Promise<string> {
  const list = await new StorageClient(p.transport, region).list();
  const ids = list.filter((c) => c.kind === 'postgres').map((c) => c.id).sort((x, y) => Number(x.slice(1)) - Number(y.slice(1)));
  if (!ids[0]) throw new Error('no postgres collection');
  return ids[0];
}

test('snapshot, then streamed INSERT / UPDATE / DELETE; subsources readable and usable in views', async () => {
  await a.sql("CREATE SOURCE pg FROM POSTGRES CONNECTION pgc (PUBLICATION 'p') FOR TABLES (a, b AS b2)");
  await until('SELECT id, name, amount, ok FROM a ORDER BY id', [[1, 'one', 1.5, true], [2, 'two', null, null]], 'the snapshot of a');
  await until('SELECT k, v FROM b2', [[1, 'x']], 'the snapshot of b as b2');
  expect(await sorted(`SELECT count(*) FROM a WHERE d = DATE '2024-01-02' AND big = 9007199254740991 AND raw = '\\x0a0b' AND u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' AND at = TIMESTAMP '2024-01-02 03:04:05.678'`)).toEqual([[1]]);
  await a.sql('CREATE VIEW rich AS SELECT id, name FROM a WHERE amount > 1');
  await a.sql('CREATE MATERIALIZED VIEW ab AS SELECT a.id, b2.v FROM a JOIN b2 ON a.id = b2.k');
  await up.query("INSERT INTO a VALUES (3, 'three', 7, NULL, NULL, NULL, false, NULL, NULL)");
  await up.query("UPDATE a SET name = 'uno', amount = 2 WHERE id = 1");
  await up.query('DELETE FROM a WHERE id = 2');
  await up.query("INSERT INTO b VALUES (3, 'z')");
  await until('SELECT id, name, amount, ok FROM a ORDER BY id', [[1, 'uno', 2, true], [3, 'three', 7, false]], 'streamed changes of a');
  await until('SELECT id, name FROM rich ORDER BY id', [[1, 'uno'], [3, 'three']], 'the view over a');
  await until('SELECT id, v FROM ab ORDER BY id', [[1, 'x'], [3, 'z']], 'the materialized view joining a and b2');
  expect(await statusOf('pg')).toEqual({ status: 'running', error: null });
  const objects = await a.rows('SHOW SOURCES');
  expect(objects.map((r) => r[0])).toEqual(expect.arrayContaining(['pg', 'a', 'b2']));
});

test('interval, array and enum columns: snapshot and streamed changes read as PostgreSQL prints them', async () => {
  await up.query(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE TABLE typed (id int PRIMARY KEY, span interval, nums int[], tags text[], amounts numeric[], m mood);
    ALTER TABLE typed REPLICA IDENTITY FULL;
    INSERT INTO typed VALUES (1, '1 year 2 months 3 days 04:05:06.5', '{1,2,NULL}', '{"a b",c,NULL,"q\\"uote"}', '{1.50,-2}', 'happy'),
                             (2, '-3 days', '{}', NULL, NULL, NULL);
    CREATE PUBLICATION ptyped FOR TABLE typed;`);
  await a.sql("CREATE SOURCE pgt FROM POSTGRES CONNECTION pgc (PUBLICATION 'ptyped') FOR ALL TABLES");
  const q = 'SELECT id, span::text, nums::text, tags::text, amounts::text, m FROM typed ORDER BY id';
  const theirs = async () => (await up.query({ text: q, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } })).rows.map((r: unknown[]) => [Number(r[0]), ...r.slice(1)]);
  await until(q, await theirs(), 'the snapshot of typed');
  await up.query(`INSERT INTO typed VALUES (3, '00:00:01', '{7}', '{x}', '{0.001}', 'sad');
    UPDATE typed SET span = span + interval '1 hour', nums = nums || 9, m = 'ok' WHERE id = 1;
    DELETE FROM typed WHERE id = 2;`);
  await until(q, await theirs(), 'streamed changes of typed');
  expect(await statusOf('pgt')).toEqual({ status: 'running', error: null });
  await a.sql('DROP SOURCE pgt CASCADE');
});

test('jsonb columns: snapshot and streamed changes as jsonb, compared with PostgreSQL (issue #18)', async () => {
  await up.query(`CREATE TABLE jdocs (id int PRIMARY KEY, d jsonb);
    ALTER TABLE jdocs REPLICA IDENTITY FULL;
    INSERT INTO jdocs VALUES (1, '{"b": [1.50, null], "a": {"x": "y"}, "b": 2}'), (2, '[1e3, "s"]'), (3, NULL);
    CREATE PUBLICATION pjdocs FOR TABLE jdocs;`);
  await a.sql("CREATE SOURCE pgj FROM POSTGRES CONNECTION pgc (PUBLICATION 'pjdocs') FOR ALL TABLES");
  const q = "SELECT id, d::text, d -> 'a' ->> 'x', jsonb_typeof(d) FROM jdocs ORDER BY id";
  const theirs = async () => (await up.query({ text: q, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } })).rows.map((r: unknown[]) => [Number(r[0]), ...r.slice(1)]);
  await until(q, await theirs(), 'the snapshot of jdocs');
  await up.query(`INSERT INTO jdocs VALUES (4, '"\\u00e9"'); UPDATE jdocs SET d = d || '{"c": 1.0}' WHERE id = 1; DELETE FROM jdocs WHERE id = 2;`);
  await until(q, await theirs(), 'streamed changes of jdocs');
  expect(await statusOf('pgj')).toEqual({ status: 'running', error: null });
  await a.sql('DROP SOURCE pgj CASCADE');
});

test('a large snapshot is read through a cursor and staged in parts, committed at one timestamp', async () => {
  await up.query(`CREATE TABLE bulk (id int PRIMARY KEY, pad text NOT NULL); ALTER TABLE bulk REPLICA IDENTITY FULL;
    INSERT INTO bulk SELECT g, repeat('p', 50) || g FROM generate_series(1, 25000) AS g;
    CREATE PUBLICATION pbulk FOR TABLE bulk;`);
  await a.sql("CREATE SOURCE pgbulk FROM POSTGRES CONNECTION pgc (PUBLICATION 'pbulk') FOR ALL TABLES");
  // one timestamp: the first read that sees any row sees all of them
  const [[n]] = (await eventually(async () => {
    const r = await a.rows('SELECT count(*), sum(id), count(DISTINCT pad) FROM bulk');
    return Number(r[0]![0]) > 0 ? r : undefined;
  }, 'the snapshot of bulk')) as [[number]];
  expect(n).toBe(25000);
  expect(await a.rows('SELECT count(*), sum(id), count(DISTINCT pad) FROM bulk')).toEqual([[25000, (25000 * 25001) / 2, 25000]]);
  // 25,000 rows in parts of 10,000 (DFN_PG_SNAPSHOT_PART_ROWS): three staged parts, one commit
  const { actorsIn } = await import('../../protocol/inspect/tree.js');
  const { treeSubject } = await import('../../protocol/inspect/subjects.js');
  const parts = await eventually(async () => {
    const tree = await p.transport.request<{ type: string; root: never }>(treeSubject(region), { type: 'GetTree' });
    const infos = actorsIn(tree.root).map((x: { info?: Record<string, unknown> }) => JSON.stringify(x.info ?? {}));
    const m = infos.map((i: string) => /"snapshotRows":25000,"snapshotParts":(\d+)/.exec(i)).find((x: RegExpExecArray | null) => x);
    return m ? Number(m[1]) : undefined;
  }, 'the snapshot counters in the inspector');
  expect(parts).toBe(3);
  await up.query("UPDATE bulk SET pad = 'changed' WHERE id <= 10");
  await until("SELECT count(*) FROM bulk WHERE pad = 'changed'", [[10]], 'streamed after the staged snapshot');
  await a.sql('DROP SOURCE pgbulk CASCADE');
});

test('a multi-table upstream transaction lands at one definite timestamp', async () => {
  const storage = new StorageClient(p.transport, region);
  const id = await collectionOf();
  const { upper } = await storage.describe(id);
  const seen: Update[] = [];
  const sub = await storage.subscribe(id, upper - 1, { updates: (u) => seen.push(...u), progress: () => undefined, failed: () => undefined }, { snapshot: false });
  try {
    await up.query("BEGIN; INSERT INTO a VALUES (10, 'ten', 1, NULL, NULL, NULL, NULL, NULL, NULL); INSERT INTO b VALUES (10, 'ten'); UPDATE b SET v = 'y' WHERE k = 1; COMMIT");
    await up.query("INSERT INTO b VALUES (11, 'later')");
    await eventually(() => seen.some((u) => u[0][0] === 1 && u[0].includes('later')), 'the later transaction');
    const txn = seen.filter((u) => u[0].includes('ten') || u[0].includes('y') || (u[0][0] === 1 && u[0].includes('x') && u[2] < 0));
    expect(txn.length).toBe(4); // a:+10, b:+10, b: -(1,x) +(1,y)
    expect(new Set(txn.map((u) => u[1])).size).toBe(1);
    const later = seen.find((u) => u[0].includes('later'))!;
    // A later transaction may share the timestamp (committed in the same step), never precede it.
    expect(later[1]).toBeGreaterThanOrEqual(txn[0]![1]);
  } finally {
    sub.cancel();
  }
  await until('SELECT k, v FROM b2 ORDER BY k', [[1, 'y'], [3, 'z'], [10, 'ten'], [11, 'later']], 'b2 after the transaction');
});

test('a committed upstream row is in the next SELECT once a view over it is complete past it: no wait for the oracle or a tick', async () => {
  await a.sql('CREATE MATERIALIZED VIEW b2_top AS SELECT max(k) AS k, count(*) AS n FROM b2');
  const fresh = await connectClient(nats, region);
  const loose = await connectClient(nats, region);
  try {
    await loose.sql("SET transaction_isolation = 'serializable'");
    for (let k = 100; k < 110; k++) {
      await up.query(`INSERT INTO b VALUES (${k}, 'visible')`);
      // Serializable reads the largest time complete in the view, without waiting: once it shows
      // the row, the view is complete past it, and a strict serializable SELECT (in any session)
      // chooses at least that time, however far behind the oracle's last write was.
      await eventually(async () => Number((await loose.rows('SELECT k FROM b2_top'))[0]![0]) === k, `row ${k} in the view`);
      expect(Number((await fresh.rows('SELECT k FROM b2_top'))[0]![0])).toBe(k);
      expect(Number((await a.rows('SELECT k FROM b2_top'))[0]![0])).toBe(k);
    }
  } finally {
    await fresh.close();
    await loose.close();
  }
  await a.sql('DROP MATERIALIZED VIEW b2_top');
  await up.query('DELETE FROM b WHERE k >= 100');
});

test('SIGKILL of the storage host mid-stream: nothing lost, nothing duplicated, the slot confirmed LSN advances', async () => {
  const storage = new StorageClient(p.transport, region);
  const id = await collectionOf();
  const slot = (await up.query("SELECT slot_name, confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name LIKE 'dfn_pgcdc_%' ORDER BY slot_name")).rows as Array<{ slot_name: string; lsn: string }>;
  expect(slot.length).toBe(1);
  const lsnBefore = slot[0]!.lsn;
  const N = 1500;
  const writer = (async () => {
    for (let i = 0; i < N; i++) await up.query('INSERT INTO b VALUES ($1, $2)', [1000 + i, `w${i}`]);
  })();
  const before = (await storage.describe(id)).position;
  await eventually(async () => (await storage.describe(id)).position > before, 'ingesting the writes');
  const host = (await p.hosts()).find((h) => h.hostId === 'storage-0')!;
  signal(host.pid, 'SIGKILL');
  await eventually(async () => (await p.hosts()).some((h) => h.hostId === 'storage-0' && h.pid !== host.pid && h.state === 'running'), 'storage host restarted');
  await writer;
  await until('SELECT count(*), count(DISTINCT k) FROM b2 WHERE k >= 1000', [[N, N]], 'every write once');
  expect(await sorted('SELECT k FROM b2 WHERE k >= 1000 GROUP BY k HAVING count(*) > 1')).toEqual([]);
  const info = await storage.describe(id);
  expect(info.status).toBe('running');
  const after = (await up.query('SELECT confirmed_flush_lsn::text AS lsn, (confirmed_flush_lsn > $2::pg_lsn) AS advanced FROM pg_replication_slots WHERE slot_name = $1', [slot[0]!.slot_name, lsnBefore])).rows[0] as { advanced: boolean };
  expect(after.advanced).toBe(true);
  // What pgoutput resent after the restart (info.upstreamRereads) was skipped: the counts above show nothing twice.
});

test('TRUNCATE and a dropped publication stall the source with the reason; DROP SOURCE drops the slot', async () => {
  await up.query(`CREATE TABLE t1 (id int); ALTER TABLE t1 REPLICA IDENTITY FULL; INSERT INTO t1 VALUES (1); CREATE PUBLICATION pt FOR TABLE t1;
                  CREATE TABLE t2 (id int); ALTER TABLE t2 REPLICA IDENTITY FULL; CREATE PUBLICATION pd FOR TABLE t2;`);
  await a.sql("CREATE SOURCE st FROM POSTGRES CONNECTION pgc (PUBLICATION 'pt') FOR TABLES (t1)");
  await a.sql("CREATE SOURCE sd FROM POSTGRES CONNECTION pgc (PUBLICATION 'pd') FOR ALL TABLES");
  await until('SELECT id FROM t1', [[1]], 'the snapshot of t1');
  await until('SELECT count(*) FROM t2', [[0]], 'the snapshot of t2');
  await up.query('INSERT INTO t1 VALUES (2)');
  await up.query('TRUNCATE t1');
  await up.query('INSERT INTO t1 VALUES (3)');
  const truncated = await eventually(async () => {
    const s = await statusOf('t1');
    return s.status === 'stalled' ? s : undefined;
  }, 'st stalled');
  expect(truncated.error).toMatch(/public\.t1 was truncated/);
  // Nothing after the TRUNCATE was ingested: the rows before it stay, never silently wrong ones.
  // A stalled source's upper stays where it stopped, so a strict serializable read (at the
  // oracle's timestamp) would wait for it: a serializable one reads the last complete time.
  const ser = await connectClient(nats, region, { transaction_isolation: 'serializable' });
  try {
    expect(await ser.rows('SELECT id FROM t1 ORDER BY id')).toEqual([[1], [2]]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await ser.rows('SELECT id FROM t1 ORDER BY id')).toEqual([[1], [2]]);
  } finally {
    await ser.close();
  }
  expect((await statusOf('st')).status).toBe('stalled');

  await up.query('DROP PUBLICATION pd');
  await up.query('INSERT INTO t2 VALUES (1)');
  const dropped = await eventually(async () => {
    const s = await statusOf('sd');
    return s.status === 'stalled' ? s : undefined;
  }, 'sd stalled');
  expect(dropped.error).toMatch(/publication "pd" does not exist/);

  const slots = async () => ((await up.query("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'dfn_pgcdc_%'")).rows as Array<{ slot_name: string }>).length;
  expect(await slots()).toBe(3);
  await a.sql('DROP SOURCE st');
  await a.sql('DROP SOURCE sd');
  expect(await slots()).toBe(1);
});

test('a lost connection is retried; a changed table schema and a dropped slot stall the source', async () => {
  const slotNames = async () => ((await up.query("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'dfn_pgcdc_%'")).rows as Array<{ slot_name: string }>).map((r) => r.slot_name);
  await up.query(`CREATE TABLE t3 (id int, v text); ALTER TABLE t3 REPLICA IDENTITY FULL; CREATE PUBLICATION p3 FOR TABLE t3;
                  CREATE TABLE t4 (id int); ALTER TABLE t4 REPLICA IDENTITY FULL; CREATE PUBLICATION p4 FOR TABLE t4;`);
  const before = await slotNames();
  await a.sql("CREATE SOURCE s3 FROM POSTGRES CONNECTION pgc (PUBLICATION 'p3') FOR ALL TABLES");
  // The storage driver creates the slot at its first start, after CREATE SOURCE returns.
  const slot3 = await eventually(async () => (await slotNames()).find((n) => !before.includes(n)), 'the slot of s3');
  await a.sql("CREATE SOURCE s4 FROM POSTGRES CONNECTION pgc (PUBLICATION 'p4') FOR ALL TABLES");
  const slot4 = await eventually(async () => (await slotNames()).find((n) => !before.includes(n) && n !== slot3), 'the slot of s4');
  await until('SELECT count(*) FROM t3', [[0]], 'the snapshot of t3');
  await until('SELECT count(*) FROM t4', [[0]], 'the snapshot of t4');
  const activePid = async (slot: string) => ((await up.query('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [slot])).rows[0] as { active_pid: number | null }).active_pid;
  const pid = await eventually(() => activePid(slot3), 'the stream of s3');
  await up.query('SELECT pg_terminate_backend($1)', [pid]);
  await up.query("INSERT INTO t3 VALUES (1, 'a')");
  await until('SELECT id, v FROM t3', [[1, 'a']], 't3 after the connection was lost');
  expect(await eventually(async () => ((await activePid(slot3)) ?? pid) !== pid, 'a new stream')).toBe(true);
  expect(await statusOf('s3')).toEqual({ status: 'running', error: null });

  await up.query('ALTER TABLE t3 ADD COLUMN x int');
  await up.query("INSERT INTO t3 VALUES (2, 'b', 3)");
  const changed = await eventually(async () => {
    const st = await statusOf('s3');
    return st.status === 'stalled' ? st : undefined;
  }, 's3 stalled');
  expect(changed.error).toMatch(/public\.t3 changed its schema/);

  // The slot can be dropped only while no walsender uses it: end the stream until the drop wins the race with the retry.
  await eventually(async () => {
    const live = await activePid(slot4);
    if (live) await up.query('SELECT pg_terminate_backend($1)', [live]);
    await up.query('SELECT pg_drop_replication_slot($1)', [slot4]);
    return true;
  }, 'slot of s4 dropped');
  const gone = await eventually(async () => {
    const st = await statusOf('s4');
    return st.status === 'stalled' && /no longer exists/.test(st.error ?? '') ? st : undefined;
  }, 's4 stalled');
  expect(gone.error).toContain(slot4);
  await a.sql('DROP SOURCE s3');
  await a.sql('DROP SOURCE s4');
  expect(await slotNames()).toEqual(before);
});

test('the secret is never printed: not in SHOW output, errors, the inspector or the logs', async () => {
  const inspected: Buffer[] = [];
  const sub = p.transport.nc.subscribe(`dfn.${region}.inspect.>`, { callback: (_e, m) => void inspected.push(Buffer.from(m.data)) });
  const texts: string[] = [];
  for (const q of ['SHOW SECRETS', 'SHOW CONNECTIONS', 'SHOW SOURCES', 'SHOW OBJECTS', 'SHOW SOURCE STATUSES', 'SELECT * FROM pg_catalog.pg_class']) texts.push(JSON.stringify(await a.sql(q)));
  expect(JSON.stringify(await a.rows('SHOW SECRETS'))).toContain('pgpass');
  for (const bad of [
    `CREATE SECRET s2 '${SECRET}'`,
    `CREATE SECRET s2 AS '${SECRET}' trailing`,
    `CREATE CONNECTION c2 TO POSTGRES (HOST '127.0.0.1', PORT 1, USER 'postgres', PASSWORD '${SECRET}', DATABASE 'x')`,
  ]) {
    const e = await a.sqlError(bad);
    texts.push(e.message, JSON.stringify(e));
  }
  await a.sql(`CREATE CONNECTION badport TO POSTGRES (HOST '127.0.0.1', PORT 1, USER 'postgres', PASSWORD SECRET pgpass, DATABASE '${DB}')`);
  const e = await a.sqlError("CREATE SOURCE nope FROM POSTGRES CONNECTION badport (PUBLICATION 'p') FOR ALL TABLES");
  expect(e.sqlstate).toBe('08001');
  texts.push(e.message, JSON.stringify(e));
  await new Promise((r) => setTimeout(r, 2500)); // heartbeats and announcements with every actor's info
  sub.unsubscribe();
  expect(inspected.length).toBeGreaterThan(0);
  for (const t of texts) expect(t).not.toContain(SECRET);
  for (const m of inspected) expect(m.includes(Buffer.from(SECRET))).toBe(false);
  const logs: string[] = [];
  // Process logs, not LevelDB's own files (a LevelDB directory has CURRENT; its *.log is its write-ahead log).
  const walk = (dir: string) => {
    if (readdirSync(dir).includes('CURRENT')) return;
    for (const f of readdirSync(dir)) {
      const path = join(dir, f);
      if (statSync(path).isDirectory()) walk(path);
      else if (f.endsWith('.log')) logs.push(path);
    }
  };
  walk(p.dataDir);
  expect(logs.length).toBeGreaterThan(0);
  for (const l of logs) expect(readFileSync(l, 'utf8')).not.toContain(SECRET);
});

test('bad input: unknown connection, unknown publication, unsupported type, REPLICA IDENTITY DEFAULT are typed errors and create nothing', async () => {
  await up.query(`CREATE TABLE iv (id int, span int4range); ALTER TABLE iv REPLICA IDENTITY FULL; CREATE PUBLICATION piv FOR TABLE iv;
                  CREATE TABLE dflt (id int PRIMARY KEY); CREATE PUBLICATION pdflt FOR TABLE dflt;`);
  const before = await a.rows('SHOW OBJECTS');
  const cases: Array<[string, string, RegExp]> = [
    ["CREATE SOURCE x FROM POSTGRES CONNECTION nosuch (PUBLICATION 'p') FOR ALL TABLES", '42704', /unknown connection "nosuch"/],
    ["CREATE SOURCE x FROM POSTGRES CONNECTION pgc (PUBLICATION 'nopub') FOR ALL TABLES", '42704', /publication "nopub" does not exist/],
    ["CREATE SOURCE x FROM POSTGRES CONNECTION pgc (PUBLICATION 'piv') FOR ALL TABLES", '0A000', /column "iv.span" has type int4range/],
    ["CREATE SOURCE x FROM POSTGRES CONNECTION pgc (PUBLICATION 'pdflt') FOR ALL TABLES", '55000', /REPLICA IDENTITY DEFAULT/],
    ["CREATE SOURCE x FROM POSTGRES CONNECTION pgc (PUBLICATION 'p') FOR TABLES (nosuch)", '42P01', /table "nosuch" is not in publication "p"/],
    ["CREATE SOURCE x FROM POSTGRES CONNECTION pgc (PUBLICATION 'p') FOR TABLES (a)", '42P07', /relation "a" already exists/],
    ["CREATE SOURCE x FROM POSTGRES CONNECTION pgc (PUBLICATION 'p') FOR TABLES (a AS a1, b AS a1)", '42710', /two subsources would be named "a1"/],
    ["CREATE CONNECTION c3 TO POSTGRES (HOST '127.0.0.1', USER 'u', PASSWORD SECRET nosuch, DATABASE 'd')", '42704', /unknown secret "nosuch"/],
    ["CREATE CONNECTION c3 TO POSTGRES (HOST '127.0.0.1', PORT 70000, USER 'u', DATABASE 'd')", '22023', /not a TCP port/],
    ['DROP SECRET pgpass', '2BP01', /connection "pgc" depends on it/],
  ];
  for (const [sql, code, message] of cases) {
    const e = await a.sqlError(sql);
    expect([sql, e.sqlstate]).toEqual([sql, code]);
    expect(e.message).toMatch(message);
  }
  expect(await a.rows('SHOW OBJECTS')).toEqual(before);
  const slots = (await up.query("SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'dfn_pgcdc_%'")).rows[0] as { n: number };
  expect(slots.n).toBe(1);
});
