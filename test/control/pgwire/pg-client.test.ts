/**
 * pgwire end to end with node-postgres (`pg`) against a real platform (environment process,
 * storage host, cluster process, nats-server): start-up parameters, DDL and writes with their
 * Postgres command tags, SELECT with types, parameterized queries and named prepared statements
 * (extended protocol), errors with SQLSTATE, max_rows through a cursor-like portal, the
 * compatibility settings and functions, and malformed bytes on a raw socket (08P01, the server
 * keeps serving), CancelRequest (57014), and a dropped connection forgotten.
 */
import { connect as netConnect } from 'node:net';
import { createRequire } from 'node:module';
import pg from 'pg';
import { eventually, setupNats, type TestNats } from '../../helpers/nats.js';
import { treeSubject } from '../../../protocol/inspect/subjects.js';
import { actorsIn } from '../../../protocol/inspect/tree.js';
import type { Tree } from '../../../protocol/inspect/messages.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../../helpers/platform.js';

const require = createRequire(import.meta.url);
const { serialize } = require('pg-protocol') as typeof import('pg-protocol');
const { Parser } = require('pg-protocol/dist/parser.js') as typeof import('pg-protocol/dist/parser.js');

const region = 'pgwire1';
let nats: TestNats;
let p: TestPlatform;
let port: number;
let client: pg.Client;

function newClient(extra: Partial<pg.ClientConfig> = {}): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize', ...extra });
}

async function sqlstate(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as { code?: string }).code ?? `no code: ${(err as Error).message}`;
  }
  throw new Error('expected an error');
}

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  port = await pgwirePort(p);
  client = newClient({ application_name: 'pgwire-test' });
  await client.connect();
});
afterAll(async () => {
  await client?.end().catch(() => undefined);
  await p?.cleanup();
  await nats?.cleanup();
});

test('start-up: ParameterStatus and the compatibility functions', async () => {
  expect((await client.query('SHOW server_version')).rows[0]).toEqual({ server_version: '15.0 (definite 0.1.0)' });
  expect((await client.query('SHOW application_name')).rows).toEqual([{ application_name: 'pgwire-test' }]);
  expect((await client.query('SHOW TimeZone')).rows).toEqual([{ timezone: 'UTC' }]);
  const r = await client.query('SELECT version(), current_database(), current_user');
  expect(r.rows[0].version).toMatch(/^PostgreSQL 15\.0 \(definite 0\.1\.0\)/);
  expect(r.rows[0].current_database).toBe('materialize');
  expect(r.rows[0].current_user).toBe('materialize');
  expect((await client.query('SET extra_float_digits = 3')).command).toBe('SET');
  expect((await client.query("SET DateStyle = 'ISO, MDY'")).command).toBe('SET');
  expect((await client.query('SET search_path TO public')).command).toBe('SET');
  expect((await client.query("SET client_encoding = 'UTF8'")).command).toBe('SET');
  expect(await sqlstate(client.query("SET client_encoding = 'LATIN1'"))).toBe('22023');
  const unknown = await client.query('SET no_such_setting = 1').catch((e) => e);
  expect([unknown.code, unknown.severity]).toEqual(['42704', 'ERROR']);
  expect(unknown.message).toBe('unrecognized configuration parameter "no_such_setting"');
  expect(unknown.hint).toMatch(/^known: cluster/);
  // Through the extended protocol (Parse/Bind/Describe/Execute) a SET runs once, at Execute.
  expect((await client.query('SET application_name = $1', ['via-extended'])).command).toBe('SET');
  expect((await client.query('SHOW application_name')).rows).toEqual([{ application_name: 'via-extended' }]);
});

test('DDL, writes and reads: command tags, rows and type OIDs', async () => {
  const create = await client.query('CREATE TABLE emp (id int NOT NULL, name text, salary float, bonus numeric, active bool, hired timestamp)');
  expect(create.command).toBe('CREATE');
  const ins = await client.query(
    "INSERT INTO emp VALUES (1, 'ann', 10.5, 1.25, true, '2024-01-02 03:04:05'), (2, 'bob', 20, 2, false, '2024-02-03 00:00:00.5'), (3, NULL, NULL, NULL, NULL, NULL)",
  );
  expect([ins.command, ins.rowCount]).toEqual(['INSERT', 3]);
  const mv = await client.query('CREATE MATERIALIZED VIEW rich AS SELECT id, name FROM emp WHERE salary > 15');
  expect(mv.command).toBe('CREATE');
  const sel = await client.query('SELECT * FROM emp ORDER BY id');
  expect(sel.command).toBe('SELECT');
  expect(sel.rowCount).toBe(3);
  expect(sel.fields.map((f) => [f.name, f.dataTypeID])).toEqual([['id', 23], ['name', 25], ['salary', 701], ['bonus', 1700], ['active', 16], ['hired', 1114]]);
  expect(sel.rows[0]).toEqual({ id: 1, name: 'ann', salary: 10.5, bonus: '1.25', active: true, hired: new Date('2024-01-02T03:04:05') });
  expect(sel.rows[2]).toEqual({ id: 3, name: null, salary: null, bonus: null, active: null, hired: null });
  expect((await client.query('SELECT * FROM rich')).rows).toEqual([{ id: 2, name: 'bob' }]);
  const up = await client.query("UPDATE emp SET name = 'bo' WHERE id = 2");
  expect([up.command, up.rowCount]).toEqual(['UPDATE', 1]);
  const del = await client.query('DELETE FROM emp WHERE id = 3');
  expect([del.command, del.rowCount]).toEqual(['DELETE', 1]);
  expect((await client.query('SELECT count(*) AS n FROM emp')).rows).toEqual([{ n: '2' }]);
  // count(*) is bigint: int8 (OID 20), which node-postgres returns as a string, as with Postgres
  expect((await client.query('SELECT count(*) AS n FROM emp')).fields.map((f) => f.dataTypeID)).toEqual([20]);
});

test('several statements in one Query: each result; after an error the rest is skipped', async () => {
  const results = (await client.query('SELECT 1 AS a; SELECT 2 AS b')) as unknown as pg.QueryResult[];
  expect(results.map((r) => r.rows)).toEqual([[{ a: 1 }], [{ b: 2 }]]);
  const err = await client.query("INSERT INTO emp VALUES (10, 'x', 1, 1, true, NULL); SELECT * FROM nope; INSERT INTO emp VALUES (11, 'y', 1, 1, true, NULL)").catch((e) => e);
  expect(err.code).toBe('42P01');
  expect(err.position).toBeDefined();
  expect((await client.query('SELECT id FROM emp WHERE id >= 10')).rows).toEqual([{ id: 10 }]);
  expect((await client.query('')).command).toBeNull();
  expect((await client.query('-- only a comment\n/* and another */')).command).toBeNull();
  expect((await client.query('SHOW cluster')).command).toBe('SHOW');
  expect((await client.query('SHOW TimeZone')).command).toBe('SHOW');
  expect((await client.query('SHOW TABLES')).command).toBe('SELECT');
});

test('parameterized queries and named prepared statements (extended protocol)', async () => {
  const r = await client.query('SELECT id, name FROM emp WHERE id = $1 AND name = $2', [1, 'ann']);
  expect(r.rows).toEqual([{ id: 1, name: 'ann' }]);
  expect(r.fields.map((f) => f.dataTypeID)).toEqual([23, 25]);
  const ins = await client.query('INSERT INTO emp VALUES ($1, $2, $3, $4, $5, $6)', [20, "o'neil; DROP TABLE emp; --", 1.5, '2.5', true, '2024-05-06 07:08:09']);
  expect([ins.command, ins.rowCount]).toEqual(['INSERT', 1]);
  expect((await client.query('SELECT name, hired FROM emp WHERE id = $1', [20])).rows).toEqual([{ name: "o'neil; DROP TABLE emp; --", hired: new Date('2024-05-06T07:08:09') }]);
  for (const id of [1, 2, 20]) {
    const named = await client.query({ name: 'by_id', text: 'SELECT name FROM emp WHERE id = $1', values: [id] });
    expect(named.rowCount).toBe(1);
  }
  expect((await client.query({ name: 'by_id', text: 'SELECT name FROM emp WHERE id = $1', values: [2] })).rows).toEqual([{ name: 'bo' }]);
  expect((await client.query('SELECT $1::int + 1 AS n', [41])).rows).toEqual([{ n: 42 }]);
  expect(await sqlstate(client.query('SELECT * FROM emp WHERE id = $1', ['not a number']))).toMatch(/^22P02$/);
  expect(await sqlstate(client.query('SELECT * FROM nope WHERE id = $1', [1]))).toBe('42P01');
  // The connection is usable after an extended-protocol error (it skipped to Sync).
  expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
});

test('errors carry SQLSTATE and change nothing', async () => {
  expect(await sqlstate(client.query('SELEC 1'))).toBe('42601');
  expect(await sqlstate(client.query('SELECT 1/0'))).toBe('22012');
  expect(await sqlstate(client.query('CREATE TABLE emp (x int)'))).toBe('42P07');
  expect(await sqlstate(client.query("INSERT INTO emp VALUES (NULL, 'x', 1, 1, true, NULL)"))).toBe('23502');
  expect((await client.query('SELECT count(*) AS n FROM emp')).rows).toEqual([{ n: '4' }]);
});

test('max_rows: Execute with a row limit returns PortalSuspended, then the rest', async () => {
  const messages = await rawSession([
    serialize.parse({ text: 'SELECT id FROM emp ORDER BY id' }),
    serialize.bind({}),
    serialize.describe({ type: 'P' }),
    serialize.execute({ rows: 2 }),
    serialize.execute({ rows: 2 }),
    serialize.execute({ rows: 2 }),
    serialize.sync(),
  ]);
  const names = messages.map((m) => m['name']);
  // The second Execute takes the last rows: the portal is complete (SELECT 2); a third finds it empty.
  expect(names).toEqual(['parseComplete', 'bindComplete', 'rowDescription', 'dataRow', 'dataRow', 'portalSuspended', 'dataRow', 'dataRow', 'commandComplete', 'commandComplete', 'readyForQuery']);
  const ids = messages.filter((m) => m['name'] === 'dataRow').map((m) => (m['fields'] as string[])[0]);
  expect(ids).toEqual(['1', '2', '10', '20']);
  expect(messages[8]).toMatchObject({ text: 'SELECT 2' });
  expect(messages[9]).toMatchObject({ text: 'SELECT 0' });
});

test('binary results (node-postgres binary mode) and binary parameters for int4, float8, bool, text', async () => {
  // (node-postgres' binary mode reads each field as a UTF-8 string, so only values whose bytes are
  // all below 0x80 survive it: the binary timestamp is checked against pg-types in codec.test.ts.)
  const binary = { text: 'SELECT id, salary, active, name FROM emp WHERE id = $1', values: [1], binary: true } as pg.QueryConfig;
  const r = await client.query(binary);
  expect(r.rows).toEqual([{ id: 1, salary: 10.5, active: true, name: 'ann' }]);
  const f8 = Buffer.alloc(8);
  f8.writeDoubleBE(10.5);
  const i4 = Buffer.alloc(4);
  i4.writeInt32BE(1);
  const messages = await rawSession([
    serialize.parse({ text: 'SELECT name FROM emp WHERE salary = $1 AND active = $2 AND id = $3 AND name = $4', types: [701, 16, 23, 25] }),
    serialize.bind({ values: [f8, Buffer.from([1]), i4, Buffer.from('ann')] }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ]);
  expect(messages.filter((m) => m['name'] === 'dataRow').map((m) => m['fields'])).toEqual([['ann']]);
});

test('malformed bytes on a raw socket: 08P01 and closed; the server keeps serving', async () => {
  const bad = await rawBytes(Buffer.concat([Buffer.from('Q'), Buffer.from([0x7f, 0xff, 0xff, 0xff])]));
  expect(bad.find((m) => m['name'] === 'error')).toMatchObject({ code: '08P01', severity: 'FATAL' });
  const unknown = await rawBytes(Buffer.from([0x7a, 0, 0, 0, 4]));
  expect(unknown.find((m) => m['name'] === 'error')).toMatchObject({ code: '08P01' });
  const garbage = await rawBytes(Buffer.from('GET / HTTP/1.1\r\n\r\n'), false);
  expect(garbage.find((m) => m['name'] === 'error')).toMatchObject({ code: expect.stringMatching(/^(08P01|0A000)$/) });
  const other = newClient();
  await other.connect();
  expect((await other.query('SELECT count(*) AS n FROM emp')).rows).toEqual([{ n: '4' }]);
  await other.end();
  expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
});

test('start-up errors: an unknown database is 3D000, an unknown user 28P01 (as a wrong password); SSLRequest is answered N without TLS', async () => {
  expect(await sqlstate(newClient({ database: 'nope' }).connect())).toBe('3D000');
  expect(await sqlstate(newClient({ user: 'someone', password: 'x' }).connect())).toBe('28P01');
  const reply = await new Promise<Buffer>((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => s.write(serialize.requestSsl()));
    s.once('data', (d) => (resolve(d), s.destroy()));
    s.once('error', reject);
  });
  expect(reply.toString()).toBe('N');
});

test('Terminate closes the connection; the session forgets its prepared statements', async () => {
  const c = newClient();
  await c.connect();
  await c.query({ name: 'q1', text: 'SELECT 1 AS x', values: [] });
  await c.end();
  const d = newClient();
  await d.connect();
  expect((await d.query({ name: 'q1', text: 'SELECT 2 AS x', values: [] })).rows).toEqual([{ x: 2 }]);
  await d.end();
});

test('CancelRequest with the BackendKeyData cancels the running statement (57014); the connection stays usable', async () => {
  const c = newClient();
  await c.connect();
  const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
  // A read at a timestamp a minute ahead waits for the table's upper to pass it.
  const started = Date.now();
  const waiting = c.query(`SELECT * FROM emp AS OF ${Date.now() + 60_000}`);
  await new Promise((r) => setTimeout(r, 300));
  // A wrong secret is ignored, as in Postgres.
  await sendCancel(processID, secretKey + 1);
  await new Promise((r) => setTimeout(r, 300));
  await sendCancel(processID, secretKey);
  const err = await waiting.then(() => undefined, (e) => e);
  expect(err?.code).toBe('57014');
  expect(Date.now() - started).toBeLessThan(30_000);
  expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  await c.end();
});

test('a dropped connection ends its session: the listener forgets it', async () => {
  const before = await pgwireConnections();
  const socket = netConnect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  socket.write(serialize.startup({ user: 'materialize', database: 'materialize' }));
  await eventually(async () => (await pgwireConnections()) === before + 1, 'the new connection counted');
  socket.destroy();
  await eventually(async () => (await pgwireConnections()) === before, 'the dropped connection forgotten');
});

async function pgwireConnections(): Promise<number> {
  const tree = await p.transport.request<Tree>(treeSubject(region), { type: 'GetTree' });
  const actor = actorsIn(tree.root).find((a) => a.kind === 'pgwire');
  return Number(actor?.info?.['connections'] ?? -1);
}

function sendCancel(pid: number, secret: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => s.write(serialize.cancel(pid, secret)));
    s.on('close', () => resolve());
    s.on('error', reject);
  });
}

test('Describe of a statement: ParameterDescription and RowDescription; a duplicate statement name is 42P05', async () => {
  const messages = await rawSession([
    serialize.parse({ name: 'd1', text: 'SELECT id, name FROM emp WHERE id = $1', types: [23] }),
    serialize.describe({ type: 'S', name: 'd1' }),
    serialize.parse({ name: 'd2', text: "INSERT INTO emp VALUES ($1, 'x', 1, 1, true, NULL)" }),
    serialize.describe({ type: 'S', name: 'd2' }),
    serialize.sync(),
    serialize.parse({ name: 'd1', text: 'SELECT 1' }),
    serialize.sync(),
  ]);
  expect(messages.map((m) => m['name'])).toEqual([
    'parseComplete', 'parameterDescription', 'rowDescription', 'parseComplete', 'parameterDescription', 'noData', 'readyForQuery', 'error', 'readyForQuery',
  ]);
  expect(messages[1]).toMatchObject({ dataTypeIDs: [23] });
  expect((messages[2]!['fields'] as Array<{ name: string; dataTypeID: number }>).map((f) => [f.name, f.dataTypeID])).toEqual([['id', 23], ['name', 25]]);
  expect(messages[4]).toMatchObject({ dataTypeIDs: [25] });
  expect(messages[7]).toMatchObject({ code: '42P05' });
});

test('a result larger than the write buffer arrives whole; a pool of 50 connections queries at once', async () => {
  await client.query('CREATE TABLE big (id int NOT NULL, pad text)');
  for (let b = 0; b < 4; b++) {
    const values = Array.from({ length: 5000 }, (_, i) => `(${b * 5000 + i}, '${'p'.repeat(30)}')`).join(', ');
    expect((await client.query(`INSERT INTO big VALUES ${values}`)).rowCount).toBe(5000);
  }
  const all = await client.query('SELECT id, pad FROM big');
  expect(all.rowCount).toBe(20000);
  expect(new Set(all.rows.map((r) => r.id)).size).toBe(20000);
  // idleTimeoutMillis 0: no idle client is closed while the others still connect (on a loaded
  // machine the 50 start-ups took over pg.Pool's default 10 s, and totalCount was 38-39).
  const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize', max: 50, idleTimeoutMillis: 0 });
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => pool.query('SELECT id FROM big WHERE id = $1', [i * 7])));
  expect(answers.map((a) => a.rows[0].id)).toEqual(Array.from({ length: 50 }, (_, i) => i * 7));
  expect(pool.totalCount).toBe(50);
  await pool.end();
});

test('fuzz: 300 seeded random, truncated and corrupted message streams never crash the server or stall another session', async () => {
  let seed = 17;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const valid = [
    serialize.query('SELECT 1'),
    serialize.parse({ name: 's', text: 'SELECT id FROM emp WHERE id = $1' }),
    serialize.bind({ statement: 's', values: ['1'] }),
    serialize.describe({ type: 'P' }),
    serialize.execute({ rows: 1 }),
    serialize.sync(),
    serialize.flush(),
    serialize.close({ type: 'S', name: 's' }),
  ];
  const watcher = newClient();
  await watcher.connect();
  for (let i = 0; i < 300; i++) {
    const parts = [serialize.startup({ user: 'materialize', database: 'materialize' })];
    for (let k = 0; k < 1 + Math.floor(rand() * 6); k++) parts.push(valid[Math.floor(rand() * valid.length)]!);
    let bytes = Buffer.concat(parts);
    const mode = Math.floor(rand() * 4);
    if (mode === 0) bytes = bytes.subarray(0, Math.floor(rand() * bytes.length)); // truncated
    else if (mode === 1) for (let f = 0; f < 1 + Math.floor(rand() * 4); f++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256); // corrupted
    else if (mode === 2) bytes = Buffer.concat([bytes, Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)))]); // random tail
    else bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256))); // random only
    await new Promise<void>((resolve) => {
      const s = netConnect(port, '127.0.0.1', () => s.end(bytes));
      s.on('data', () => undefined);
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    if (i % 50 === 0) expect((await watcher.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  }
  expect((await watcher.query('SELECT count(*) AS n FROM emp')).rows).toEqual([{ n: '4' }]);
  await watcher.end();
  await eventually(async () => (await pgwireConnections()) === 1, 'only the suite\'s own client left connected');
});

/** A connection that starts up, sends `messages`, and collects backend messages up to the last ReadyForQuery. */
async function rawSession(messages: Buffer[]): Promise<Array<Record<string, unknown>>> {
  const syncs = messages.filter((m) => m.equals(serialize.sync())).length;
  const all = await rawBytes(Buffer.concat([serialize.startup({ user: 'materialize', database: 'materialize' }), ...messages]), true, 1 + syncs);
  const start = all.findIndex((m) => m['name'] === 'readyForQuery');
  return all.slice(start + 1);
}

/** Sends `bytes` (after a start-up unless `startup` is false) and collects what comes back until `readies` ReadyForQuery or the close. */
function rawBytes(bytes: Buffer, withStartup = true, readies = 0): Promise<Array<Record<string, unknown>>> {
  const payload = withStartup && readies === 0 ? Buffer.concat([serialize.startup({ user: 'materialize', database: 'materialize' }), bytes]) : bytes;
  return new Promise((resolve, reject) => {
    const out: Array<Record<string, unknown>> = [];
    const parser = new Parser();
    let seen = 0;
    const s = netConnect(port, '127.0.0.1', () => s.write(payload));
    s.on('data', (d) =>
      parser.parse(d, (m) => {
        const x = m as unknown as Record<string, unknown>;
        out.push({ ...x, ...(m instanceof Error ? { message: m.message } : {}) });
        if (x['name'] === 'readyForQuery' && ++seen === readies) {
          s.end();
          resolve(out);
        }
      }),
    );
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}
