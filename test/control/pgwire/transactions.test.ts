/**
 * Transaction blocks, cursors and COPY over pgwire with node-postgres on a real platform:
 * ReadyForQuery status I / T / E, 25P02 in a failed block and COMMIT answering ROLLBACK, a
 * read-only block reading at one timestamp (a write from another connection is not seen until
 * the block ends), a write-only block committed atomically at COMMIT (and nothing on ROLLBACK),
 * 25000 when reads and writes mix, DDL alone in a block, DECLARE / FETCH / CLOSE of a SELECT and
 * of a SUBSCRIBE receiving a later INSERT (FETCH ... WITH (timeout)), 42P03 / 34000 / 25P01, and
 * COPY (query) TO STDOUT / COPY t TO STDOUT read on a raw protocol stream.
 */
import { createRequire } from 'node:module';
import { connect as netConnect } from 'node:net';
import pg from 'pg';
import { setupNats, type TestNats } from '../../helpers/nats.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../../helpers/platform.js';

const require = createRequire(import.meta.url);
const { serialize } = require('pg-protocol') as typeof import('pg-protocol');
const { Parser } = require('pg-protocol/dist/parser.js') as typeof import('pg-protocol/dist/parser.js');

const region = 'pgwiretxn';
let nats: TestNats;
let p: TestPlatform;
let port: number;
let client: pg.Client;
let other: pg.Client;
let status = '';

function newClient(): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize' });
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
  client = newClient();
  other = newClient();
  await client.connect();
  await other.connect();
  (client as unknown as { connection: { on(e: string, f: (m: { status: string }) => void): void } }).connection.on('readyForQuery', (m) => {
    status = m.status;
  });
  await client.query('CREATE TABLE acct (id int NOT NULL, balance int)');
  await client.query('INSERT INTO acct VALUES (1, 100), (2, 200)');
});
afterAll(async () => {
  await client?.end().catch(() => undefined);
  await other?.end().catch(() => undefined);
  await p?.cleanup();
  await nats?.cleanup();
});

test('BEGIN / COMMIT / ROLLBACK: status I, T, E; 25P02 in a failed block; COMMIT of a failed block answers ROLLBACK', async () => {
  await client.query('SELECT 1');
  expect(status).toBe('I');
  expect((await client.query('BEGIN')).command).toBe('BEGIN');
  expect(status).toBe('T');
  await client.query('SELECT * FROM acct');
  expect(status).toBe('T');
  expect(await sqlstate(client.query('SELECT * FROM no_such_table'))).toBe('42P01');
  expect(status).toBe('E');
  expect(await sqlstate(client.query('SELECT 1'))).toBe('25P02');
  expect(status).toBe('E');
  expect((await client.query('COMMIT')).command).toBe('ROLLBACK');
  expect(status).toBe('I');
  await client.query('START TRANSACTION');
  expect(status).toBe('T');
  expect((await client.query('ROLLBACK')).command).toBe('ROLLBACK');
  expect(status).toBe('I');
  await client.query('BEGIN');
  expect((await client.query('END')).command).toBe('COMMIT');
  await client.query('BEGIN');
  expect((await client.query('ABORT')).command).toBe('ROLLBACK');
  expect(status).toBe('I');
  // Several statements in one Query, the block opened and left open.
  await client.query('BEGIN; SELECT 1');
  expect(status).toBe('T');
  await client.query('COMMIT');
  expect(status).toBe('I');
});

test('a read-only block reads at one timestamp: a write committed meanwhile is seen only after COMMIT', async () => {
  await client.query('BEGIN');
  const before = await client.query('SELECT count(*)::int AS n FROM acct');
  await other.query('INSERT INTO acct VALUES (3, 300)');
  expect((await other.query('SELECT count(*)::int AS n FROM acct')).rows[0].n).toBe(before.rows[0].n + 1);
  expect((await client.query('SELECT count(*)::int AS n FROM acct')).rows[0].n).toBe(before.rows[0].n);
  expect(await sqlstate(client.query('INSERT INTO acct VALUES (9, 9)'))).toBe('25000');
  await client.query('ROLLBACK');
  expect((await client.query('SELECT count(*)::int AS n FROM acct')).rows[0].n).toBe(before.rows[0].n + 1);
  await client.query('DELETE FROM acct WHERE id = 3');
});

test('a write-only block: INSERTs buffered, committed together at COMMIT; nothing on ROLLBACK; mixing is 25000', async () => {
  const count = async () => (await other.query('SELECT count(*)::int AS n FROM acct')).rows[0].n as number;
  const n0 = await count();
  await client.query('BEGIN');
  expect((await client.query('INSERT INTO acct VALUES (10, 1), (11, 1)')).command).toBe('INSERT');
  await client.query('INSERT INTO acct VALUES (12, 1)');
  expect(await count()).toBe(n0);
  await client.query('COMMIT');
  expect(await count()).toBe(n0 + 3);

  await client.query('BEGIN');
  await client.query('INSERT INTO acct VALUES (13, 1)');
  await client.query('ROLLBACK');
  expect(await count()).toBe(n0 + 3);

  await client.query('BEGIN');
  await client.query('INSERT INTO acct VALUES (14, 1)');
  expect(await sqlstate(client.query('SELECT * FROM acct'))).toBe('25000');
  expect(status).toBe('E');
  expect((await client.query('COMMIT')).command).toBe('ROLLBACK');
  expect(await count()).toBe(n0 + 3);

  // A bad value in a block fails it; nothing of it is written.
  await client.query('BEGIN');
  await client.query('INSERT INTO acct VALUES (15, 1)');
  expect(await sqlstate(client.query('INSERT INTO acct VALUES (NULL, 1)'))).toBe('23502');
  await client.query('COMMIT');
  expect(await count()).toBe(n0 + 3);

  await client.query('BEGIN');
  expect(await sqlstate(client.query('UPDATE acct SET balance = 0'))).toBe('25000');
  await client.query('ROLLBACK');
  await client.query('DELETE FROM acct WHERE balance = 1');
});

test('DDL alone in a block runs; DDL after another statement, or a statement after it, is 25000', async () => {
  await client.query('BEGIN');
  await client.query('CREATE TABLE ddl_in_txn (x int)');
  expect(await sqlstate(client.query('SELECT * FROM ddl_in_txn'))).toBe('25000');
  await client.query('ROLLBACK');
  await client.query('SELECT * FROM ddl_in_txn');
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM acct');
  expect(await sqlstate(client.query('DROP TABLE ddl_in_txn'))).toBe('25000');
  await client.query('ROLLBACK');
});

test('DECLARE / FETCH / CLOSE of a SELECT cursor; 25P01 outside a block, 42P03, 34000', async () => {
  expect(await sqlstate(client.query('DECLARE c CURSOR FOR SELECT * FROM acct'))).toBe('25P01');
  await client.query('BEGIN');
  expect((await client.query('DECLARE c CURSOR FOR SELECT id FROM acct ORDER BY id')).command).toBe('DECLARE');
  const first = await client.query('FETCH 1 c');
  expect(first.command).toBe('FETCH');
  expect(first.rows).toEqual([{ id: 1 }]);
  expect((await client.query('FETCH ALL FROM c')).rows).toEqual([{ id: 2 }]);
  expect((await client.query('FETCH FORWARD 5 FROM c')).rows).toEqual([]);
  expect(await sqlstate(client.query('DECLARE c CURSOR FOR SELECT 1'))).toBe('42P03');
  await client.query('ROLLBACK');
  await client.query('BEGIN');
  expect(await sqlstate(client.query('FETCH 1 c'))).toBe('34000');
  await client.query('ROLLBACK');
  await client.query('BEGIN');
  await client.query('DECLARE d CURSOR FOR SELECT 1 AS one');
  expect((await client.query('CLOSE d')).command).toBe('CLOSE');
  expect(await sqlstate(client.query('FETCH 1 d'))).toBe('34000');
  await client.query('ROLLBACK');
});

test('DECLARE c CURSOR FOR SUBSCRIBE: FETCH gets the snapshot, then a later INSERT; a timeout returns no rows', async () => {
  await client.query('CREATE TABLE feed (k int, v text)');
  await client.query("INSERT INTO feed VALUES (1, 'a')");
  await client.query('BEGIN');
  await client.query('DECLARE s CURSOR FOR SUBSCRIBE feed');
  const snap = await client.query('FETCH ALL s');
  expect(snap.fields.map((f) => f.name)).toEqual(['mz_timestamp', 'mz_diff', 'k', 'v']);
  expect(snap.rows.map((r) => [r.mz_diff, r.k, r.v])).toEqual([['1', 1, 'a']]);
  const empty = await client.query("FETCH ALL s WITH (timeout = '200ms')");
  expect(empty.rows).toEqual([]);
  await other.query("INSERT INTO feed VALUES (2, 'b')");
  const later = await client.query("FETCH 10 s WITH (timeout = '60s')");
  expect(later.rows.map((r) => [r.mz_diff, r.k, r.v])).toEqual([['1', 2, 'b']]);
  expect(Number(later.rows[0].mz_timestamp)).toBeGreaterThan(Number(snap.rows[0].mz_timestamp));
  await other.query('DELETE FROM feed WHERE k = 1');
  const retracted = await client.query('FETCH 10 s');
  expect(retracted.rows.map((r) => [r.mz_diff, r.k, r.v])).toEqual([['-1', 1, 'a']]);
  await client.query('COMMIT');
  expect(status).toBe('I');
  expect(await sqlstate(client.query('SUBSCRIBE feed'))).toBe('0A000');
});

/** Sends the start-up and `messages` on a raw socket; collects what comes back until `readies` ReadyForQuery after the start-up's. */
function raw(messages: Buffer[], readies: number): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const out: Array<Record<string, unknown>> = [];
    const parser = new Parser();
    let seen = 0;
    const s = netConnect(port, '127.0.0.1', () => s.write(Buffer.concat([serialize.startup({ user: 'materialize', database: 'materialize' }), ...messages])));
    s.on('data', (d) =>
      parser.parse(d, (m) => {
        const x = m as unknown as Record<string, unknown>;
        out.push(x);
        if (x['name'] === 'readyForQuery' && ++seen === readies + 1) {
          s.end();
          resolve(out.slice(out.findIndex((o) => o['name'] === 'readyForQuery') + 1));
        }
      }),
    );
    s.on('error', reject);
  });
}

test('extended protocol: parameters in a block; a portal lives past Sync until the block ends', async () => {
  await client.query('BEGIN');
  expect((await client.query('SELECT id FROM acct WHERE id = $1', [2])).rows).toEqual([{ id: 2 }]);
  expect(status).toBe('T');
  await client.query('COMMIT');
  const got = await raw(
    [
      serialize.query('BEGIN'),
      serialize.parse({ text: 'SELECT id FROM acct ORDER BY id' }),
      serialize.bind({ portal: 'p' }),
      serialize.execute({ portal: 'p', rows: 1 }),
      serialize.sync(),
      serialize.execute({ portal: 'p', rows: 1 }),
      serialize.sync(),
      serialize.query('COMMIT'),
      serialize.execute({ portal: 'p', rows: 1 }),
      serialize.sync(),
    ],
    5,
  );
  const summary = got.map((m) => (m['name'] === 'dataRow' ? `row ${String((m['fields'] as string[])[0])}` : m['name'] === 'readyForQuery' ? `ready ${String(m['status'])}` : m['name'] === 'error' ? `error ${String(m['code'])}` : String(m['name'])));
  expect(summary).toEqual([
    'commandComplete', 'ready T',
    'parseComplete', 'bindComplete', 'row 1', 'portalSuspended', 'ready T',
    'row 2', 'commandComplete', 'ready T',
    'commandComplete', 'ready I',
    'error 34000', 'ready I',
  ]);
});

test('a Query of several writes and no BEGIN is one implicit transaction: a failing statement writes nothing of any', async () => {
  await client.query('CREATE TABLE imp (id int NOT NULL)');
  const ids = async () => (await other.query('SELECT id FROM imp ORDER BY id')).rows.map((r) => r.id as number);
  const balances = async () => (await other.query('SELECT id, balance FROM acct ORDER BY id')).rows.map((r) => [r.id, r.balance]);

  // The second statement fails when evaluated: the first's row is not written.
  expect(await sqlstate(client.query("INSERT INTO imp VALUES (1); INSERT INTO imp VALUES ('x'::int)"))).toBe('22P02');
  expect(status).toBe('I');
  expect(await ids()).toEqual([]);
  // ... when planned (an unknown table), with an UPDATE before it.
  const before = await balances();
  expect(await sqlstate(client.query('UPDATE acct SET balance = balance - 10 WHERE id = 1; INSERT INTO imp VALUES (2); INSERT INTO no_such_table VALUES (3)'))).toBe('42P01');
  expect(await balances()).toEqual(before);
  expect(await ids()).toEqual([]);
  // NOT NULL in the last statement.
  expect(await sqlstate(client.query('INSERT INTO imp VALUES (4); DELETE FROM acct WHERE id = 2; INSERT INTO imp VALUES (NULL)'))).toBe('23502');
  expect(await balances()).toEqual(before);
  expect(await ids()).toEqual([]);

  // On the wire: the first statement's CommandComplete, then the error; later statements skipped.
  const got = await raw([serialize.query("INSERT INTO imp VALUES (5); INSERT INTO imp VALUES ('y'::int); INSERT INTO imp VALUES (6)")], 1);
  expect(got.map((m) => (m['name'] === 'commandComplete' ? `complete ${String(m['text'])}` : m['name'] === 'error' ? `error ${String(m['code'])}` : m['name'] === 'readyForQuery' ? `ready ${String(m['status'])}` : String(m['name'])))).toEqual([
    'complete INSERT 0 1', 'error 22P02', 'ready I',
  ]);
  expect(await ids()).toEqual([]);
});

test('a successful implicit transaction commits every statement at one timestamp, seen at once', async () => {
  await client.query('CREATE TABLE imp_ok (id int)');
  await other.query('BEGIN');
  await other.query('DECLARE w CURSOR FOR SUBSCRIBE imp_ok');
  expect((await other.query("FETCH ALL w WITH (timeout = '200ms')")).rows).toEqual([]);
  const results = (await client.query('INSERT INTO imp_ok VALUES (1), (2); INSERT INTO imp_ok VALUES (3); UPDATE acct SET balance = balance + 1 WHERE id = 1; INSERT INTO imp_ok VALUES (4)')) as unknown as pg.QueryResult[];
  expect(results.map((r) => `${r.command} ${r.rowCount}`)).toEqual(['INSERT 2', 'INSERT 1', 'UPDATE 1', 'INSERT 1']);
  const rows: Array<{ mz_timestamp: string; id: number }> = [];
  while (rows.length < 4) rows.push(...(await other.query("FETCH ALL w WITH (timeout = '60s')")).rows);
  await other.query('COMMIT');
  expect(rows.map((r) => r.id).sort()).toEqual([1, 2, 3, 4]);
  expect(new Set(rows.map((r) => r.mz_timestamp)).size).toBe(1);
  await client.query('UPDATE acct SET balance = balance - 1 WHERE id = 1');
});

test('a Query mixing writes with reads, or reading what it wrote, runs statement by statement (earlier ones stay)', async () => {
  await client.query('CREATE TABLE imp_mix (id int)');
  const ids = async () => (await other.query('SELECT id FROM imp_mix ORDER BY id')).rows.map((r) => r.id as number);
  expect(await sqlstate(client.query('INSERT INTO imp_mix VALUES (1); SELECT 1 / 0'))).toBe('22012');
  expect(await ids()).toEqual([1]);
  // The DELETE reads imp_mix, which the INSERT before it wrote: not one transaction, and it sees the INSERT.
  await client.query('INSERT INTO imp_mix VALUES (2); DELETE FROM imp_mix WHERE id = 2');
  expect(await ids()).toEqual([1]);
  expect(await sqlstate(client.query('INSERT INTO imp_mix VALUES (3); UPDATE imp_mix SET id = id / (id - 3) WHERE id = 3'))).toBe('22012');
  expect(await ids()).toEqual([1, 3]);
  expect(await sqlstate(client.query('INSERT INTO imp_mix VALUES (4); CREATE TABLE imp_mix (x int)'))).not.toBe('no error');
  expect(await ids()).toEqual([1, 3, 4]);
});
