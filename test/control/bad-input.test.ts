/**
 * Bad input to CONTROL's subjects, sent raw over NATS where the typed client would refuse:
 * malformed msgpack, schema violations (unknown type, missing / extra / wrong-typed field),
 * a wrong protocol version, a session that does not exist, a statement over 256 KiB, bad SQL.
 * Each gets the typed error of protocol/control/README.md, nothing changes (table contents,
 * catalog), and the session and the coordinator keep serving without restarting.
 */
import { headers as natsHeaders } from '@nats-io/transport-node';
import { decode, encode } from '../../protocol/codec.js';
import { Header } from '../../protocol/envelope.js';
import { MAX_SQL_BYTES } from '../../protocol/control/command.js';
import { connectSubject, sessionSubject } from '../../protocol/control/subjects.js';
import type { ErrorBody } from '../../protocol/errors.js';
import type { TreeNode } from '../../protocol/inspect/messages.js';
import { actorsIn } from '../../protocol/inspect/tree.js';
import type { HostTree } from '../../protocol/sys/messages.js';
import { hostSubject } from '../../protocol/subjects.js';
import { setupNats, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectClient, sorted, type SqlClient } from './sql-client.js';

const region = 'ctlbad';
let nats: TestNats;
let p: TestPlatform;
let c: SqlClient;
const ROWS = [[1, 'one'], [2, null], [3, 'three']];

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  c = await connectClient(nats, region);
  await c.sql('CREATE TABLE t (id int NOT NULL, label text)');
  await c.sql("INSERT INTO t VALUES (1, 'one'), (2, NULL), (3, 'three')");
});
afterAll(async () => {
  await c?.close();
  await p?.cleanup();
  await nats?.cleanup();
});

/** Sends raw bytes with the given headers (none by default) and returns the error reply. */
async function raw(subject: string, data: Uint8Array, hdrs: Record<string, string> = {}) {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(hdrs)) h.set(k, v);
  const reply = await c.transport.nc.request(subject, data, { timeout: 120_000, headers: h });
  return { code: reply.headers?.get(Header.Error), body: decode(reply.data) as ErrorBody };
}
/** A msgpack body with the envelope headers for its `type` (as any client sends). */
const send = (body: Record<string, unknown>, subject = c.session.subject) =>
  raw(subject, encode(body), typeof body['type'] === 'string' ? { [Header.Type]: body['type'], [Header.Version]: '1' } : {});

/** The actors of the environment host (coordinator, timeline, sessions, controllers). */
async function envActors(): Promise<TreeNode[]> {
  const tree = await p.transport.request<HostTree>(hostSubject(region, 'env'), { type: 'GetHostTree' });
  return actorsIn(tree.root);
}

/** Nothing changed, and the session, the coordinator and the other actors still serve unrestarted. */
async function unchanged() {
  expect(sorted(await c.rows('SELECT * FROM t'))).toEqual(sorted(ROWS));
  expect(await c.rows('SHOW OBJECTS')).toEqual([['t', 'table', null]]);
  expect(await c.transport.request(c.session.subject, { type: 'KeepAlive' })).toMatchObject({ type: 'SessionAck' });
  const other = await connectClient(nats, region);
  try {
    expect(await other.rows('SELECT count(*) FROM t')).toEqual([[3]]);
  } finally {
    await other.close();
  }
  const actors = await envActors();
  expect(actors.find((a) => a.kind === 'coordinator')).toBeDefined();
  expect(actors.find((a) => a.id === c.session.session)?.state).toBe('running');
  expect(actors.filter((a) => a.restarts > 0 || a.state !== 'running').map((a) => `${a.kind} ${a.id} ${a.state} ${a.restarts}`)).toEqual([]);
}

test('01-malformed: bytes that are not msgpack are MalformedMessage', async () => {
  for (const subject of [c.session.subject, connectSubject(region)]) {
    for (const bytes of [[0xc1], [0x82, 0xa4, 0x74], [0xdb, 0xff, 0xff, 0xff, 0xff]]) {
      const r = await raw(subject, Uint8Array.from(bytes), { [Header.Type]: 'Execute', [Header.Version]: '1' });
      expect(r.code).toBe('MalformedMessage');
      expect(r.body).toMatchObject({ type: 'Error', code: 'MalformedMessage', determinacy: 'definite' });
    }
  }
  await unchanged();
});

test('02-schema: unknown type, missing, extra and wrong-typed fields are refused', async () => {
  const unknown = await send({ type: 'DropEverything' });
  expect(unknown.code).toBe('UnknownMessageType');
  expect(unknown.body).toMatchObject({ code: 'UnknownMessageType', determinacy: 'definite', details: { messageType: 'DropEverything' } });
  expect((await send({ type: 'OpenSession' })).code).toBe('UnknownMessageType'); // not a session message
  expect((await send({ type: 'Execute' }, connectSubject(region))).code).toBe('UnknownMessageType');

  const violations: Array<[Record<string, unknown>, string]> = [
    [{ type: 'Execute' }, '/sql'], // missing field
    [{ type: 'Execute', sql: 'DELETE FROM t', extra: 1 }, '/extra'], // extra field
    [{ type: 'Execute', sql: 42 }, '/sql'], // wrong type
    [{ type: 'Execute', sql: ['DELETE FROM t'] }, '/sql'],
    [{ type: 'Command', command: { op: 'delete', table: 't', rows: [[1, 'one']], force: true } }, '/command'],
    [{ type: 'Command', command: { op: 'truncate', table: 't' } }, '/command'],
    [{ type: 'Credit', subscription: 'x', batches: -1 }, '/batches'],
  ];
  for (const [body, path] of violations) {
    const r = await send(body);
    expect([r.code, r.body.code, r.body.determinacy]).toEqual(['SchemaViolation', 'SchemaViolation', 'definite']);
    expect(String(r.body.details?.['path'])).toContain(path);
  }
  // Not a map at all; a Dfn-Type header that disagrees with the body; no type anywhere.
  expect((await raw(c.session.subject, encode('DELETE FROM t'), { [Header.Type]: 'Execute' })).code).toBe('SchemaViolation');
  expect((await raw(c.session.subject, encode({ type: 'KeepAlive', sql: 'DELETE FROM t' }), { [Header.Type]: 'Execute' })).code).toBe('SchemaViolation');
  expect((await raw(c.session.subject, encode({ sql: 'DELETE FROM t' }))).code).toBe('SchemaViolation');
  // OpenSession on the connect subject with a badly typed setting.
  expect((await send({ type: 'OpenSession', settings: { idle_timeout: 5 } }, connectSubject(region))).code).toBe('SchemaViolation');
  // Another protocol version.
  const v = await raw(c.session.subject, encode({ type: 'Execute', sql: 'DELETE FROM t' }), { [Header.Type]: 'Execute', [Header.Version]: '2' });
  expect(v.code).toBe('VersionMismatch');
  await unchanged();
});

test('03-unknown-session: no responders, at once', async () => {
  const gone = sessionSubject(region, 'nosuchsession0123');
  await expect(c.transport.request(gone, { type: 'Execute', sql: 'DELETE FROM t' })).rejects.toMatchObject({ code: 'NoResponders' });
  await expect(c.transport.nc.request(gone, encode({ type: 'KeepAlive' }), { timeout: 120_000 })).rejects.toThrow(/no responders/i);
  // A closed session is gone the same way, from the moment its CloseSession is acknowledged.
  const closed = await connectClient(nats, region);
  try {
    await closed.transport.request(closed.session.subject, { type: 'CloseSession' });
    await expect(closed.transport.request(closed.session.subject, { type: 'Execute', sql: 'DELETE FROM t' })).rejects.toMatchObject({ code: 'NoResponders' });
    await expect(c.transport.request(closed.session.subject, { type: 'KeepAlive' })).rejects.toMatchObject({ code: 'NoResponders' });
  } finally {
    await closed.transport.close();
  }
  // A request right behind CloseSession (sent before its ack came back) is refused, not run.
  const racing = await connectClient(nats, region);
  try {
    const [ack, late] = await Promise.allSettled([
      racing.transport.request(racing.session.subject, { type: 'CloseSession' }),
      racing.transport.request(racing.session.subject, { type: 'Execute', sql: 'DELETE FROM t' }),
    ]);
    expect(ack).toMatchObject({ status: 'fulfilled', value: { type: 'SessionAck' } });
    expect(late.status).toBe('rejected');
    const e = (late as PromiseRejectedResult).reason as { code: string; details: Record<string, unknown> };
    expect(e.code === 'NoResponders' || (e.code === 'SqlError' && e.details['sqlstate'] === '08003')).toBe(true);
  } finally {
    await racing.transport.close();
  }
  await unchanged();
});

test('04-oversized: a statement over 256 KiB is refused with 54000', async () => {
  const base = 'DELETE FROM t';
  const pad = (sql: string, bytes: number) => sql + ' '.repeat(bytes - Buffer.byteLength(sql));
  // Exactly at the limit is accepted (and changes nothing: a SELECT).
  expect(await c.rows(pad('SELECT count(*) FROM t', MAX_SQL_BYTES))).toEqual([[3]]);
  const over = [
    pad(base, MAX_SQL_BYTES + 1),
    `${base} WHERE label = '${'x'.repeat(300 * 1024)}'`,
    // Under the limit in characters, over it in UTF-8 bytes.
    `${base} WHERE label = '${'é'.repeat(MAX_SQL_BYTES / 2)}'`,
  ];
  for (const sql of over) {
    const e = await c.sqlError(sql);
    expect([e.sqlstate, e.determinacy]).toEqual(['54000', 'definite']);
    expect(e.message).toMatch(/262144/);
    const sub = await send({ type: 'Subscribe', sql, inbox: '_INBOX.never' });
    expect([sub.code, sub.body.details?.['sqlstate']]).toEqual(['SqlError', '54000']);
  }
  // A body over the payload limit (4 MiB; the server would carry 8) is refused before decoding.
  const huge = await send({ type: 'Execute', sql: `${base} WHERE label = '${'x'.repeat(5 * 1024 * 1024)}'` });
  expect([huge.code, huge.body.determinacy]).toEqual(['PayloadTooLarge', 'definite']);
  await unchanged();
});

test('05-bad-sql: SQLSTATE errors with positions', async () => {
  const cases: Array<[string, string]> = [
    ['DELET FROM t', '42601'],
    ['DELETE FROM nope', '42P01'],
    ['DELETE FROM t WHERE nope = 1', '42703'],
    ["INSERT INTO t VALUES ('x', 'y')", '22P02'],
    ["INSERT INTO t VALUES (true, 'y')", '42804'],
    ['INSERT INTO t VALUES (NULL, NULL)', '23502'],
    ['UPDATE t SET id = id / 0', '22012'],
    // Postgres: 22003 "value out of range: overflow" (was 22000).
    ['UPDATE t SET id = id + CAST(1e300 * 1e300 AS int)', '22003'],
    ['DROP TABLE nope', '42P01'],
    ['CREATE TABLE t (x int)', '42P07'],
    ['DROP VIEW t', '42809'],
    ["SET transaction_isolation = 'chaos'", '22023'],
    ['SUBSCRIBE t', '0A000'],
  ];
  for (const [sql, state] of cases) {
    const e = await c.sqlError(sql);
    expect([sql, e.sqlstate, e.determinacy]).toEqual([sql, state, 'definite']);
  }
  expect(await c.sql('')).toEqual([]); // an empty query is no statement, as in Postgres
  const syntax = await c.sqlError('SELECT * FRO t');
  expect(syntax.details['position']).toBe(10);
  // Bad settings when opening a session.
  for (const [settings, state] of [[{ nope: 'x' }, '42704'], [{ idle_timeout: '-1' }, '22023'], [{ cluster: 'missing' }, '42704']] as const) {
    const r = await send({ type: 'OpenSession', settings }, connectSubject(region));
    expect([r.code, r.body.details?.['sqlstate']]).toEqual(['SqlError', state]);
  }
  // Typed commands fail the same way.
  await expect(c.transport.request(c.session.subject, { type: 'Command', command: { op: 'insert', table: 'nope', rows: [[1]] } })).rejects.toMatchObject({ code: 'SqlError', details: { sqlstate: '42P01' } });
  await expect(c.transport.request(c.session.subject, { type: 'Command', command: { op: 'delete', table: 't', rows: [[1]] } })).rejects.toMatchObject({ code: 'SqlError', details: { sqlstate: '42804' } });
  await unchanged();
});
