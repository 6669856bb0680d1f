/**
 * Webhook sources (issue #19) on a real platform: CREATE SOURCE ... FROM WEBHOOK, rows POSTed to
 * the HTTP front end are durable and visible when 200 is answered (read-your-writes), a
 * materialized view over the source follows, bad requests change nothing and get their status,
 * and every accepted row survives a SIGKILL of the environment process.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setupNats, type TestNats } from '../helpers/nats.js';
import { startPlatform, webhookPort, type TestPlatform } from '../helpers/platform.js';
import { connectClient, type SqlClient } from './sql-client.js';

const region = 'webhook';
let nats: TestNats;
let p: TestPlatform;
let a: SqlClient;
let base: string;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  a = await connectClient(nats, region);
  base = `http://127.0.0.1:${await webhookPort(p)}/api/webhook/materialize/public`;
});
afterAll(async () => {
  await a?.close();
  await p?.cleanup();
  await nats?.cleanup();
});

const post = (name: string, body: string | Uint8Array, headers: Record<string, string> = {}) => fetch(`${base}/${name}`, { method: 'POST', body, headers });

test('a POST is a row of the source once 200 is answered; a view over it follows', async () => {
  await a.sql('CREATE SOURCE events FROM WEBHOOK BODY FORMAT JSON');
  await a.sql("CREATE MATERIALIZED VIEW event_count AS SELECT count(*) AS n FROM events");
  expect(await a.rows('SELECT * FROM events')).toEqual([]);
  const r = await post('events', '{ "kind": "click",  "n": 1 }', { 'content-type': 'application/json' });
  expect(r.status).toBe(200);
  // FORMAT JSON's body is jsonb: Postgres' canonical text (keys by length, then bytes) and its operators.
  expect(await a.rows('SELECT body::text, body ->> \'kind\' FROM events')).toEqual([['{"n": 1, "kind": "click"}', 'click']]);
  const many = await Promise.all(Array.from({ length: 20 }, (_, i) => post('events', JSON.stringify({ i }))));
  expect(many.map((x) => x.status)).toEqual(Array(20).fill(200));
  expect(await a.rows('SELECT n FROM event_count')).toEqual([[21]]);
  expect(await a.rows("SELECT count(*) FROM events WHERE body ? 'i'")).toEqual([[20]]);
});

test('TEXT bodies as they are, and INCLUDE HEADERS', async () => {
  await a.sql('CREATE SOURCE notes FROM WEBHOOK BODY FORMAT TEXT INCLUDE HEADERS');
  expect((await post('notes', 'hello\tworld', { 'x-Signature': 'abc' })).status).toBe(200);
  const [[body, headers]] = (await a.rows('SELECT body, headers FROM notes')) as [[string, string]];
  expect(body).toBe('hello\tworld');
  expect(JSON.parse(headers)['x-signature']).toBe('abc');
});

test('bad requests get their status and write nothing', async () => {
  await a.sql('CREATE SOURCE strict FROM WEBHOOK BODY FORMAT JSON');
  expect((await post('strict', '{not json')).status).toBe(400);
  // Not a jsonb document: \u0000 in a string (22P05 in Postgres), a leading zero.
  expect((await post('strict', '{"a": "\\u0000"}')).status).toBe(400);
  expect((await post('strict', '[01]')).status).toBe(400);
  expect((await post('strict', new Uint8Array([0xff, 0xfe]))).status).toBe(400);
  expect((await post('nosuch', '{}')).status).toBe(404);
  expect((await fetch(`${base}/strict`)).status).toBe(405);
  expect((await fetch(`${base.replace('/public', '/other')}/strict`, { method: 'POST', body: '{}' })).status).toBe(404);
  // The server answers 413 and closes; the client may see the answer or, still sending, the reset.
  // (fetch's errors come from Node's realm, so `instanceof Error` is false under jest: duck-type.)
  const big: { status?: number; message?: string } = await post('strict', JSON.stringify({ pad: 'x'.repeat(3 * 1024 * 1024) })).catch((err: Error) => ({ message: String(err?.message) }));
  if (big.status !== undefined) expect(big.status).toBe(413);
  else expect(big.message).toMatch(/fetch failed|other side closed|ECONNRESET|EPIPE/i);
  // A table of the same name is not a webhook source; INSERT into a webhook source is refused.
  await a.sql('CREATE TABLE plain (body text)');
  expect((await post('plain', '{}')).status).toBe(404);
  expect((await a.sqlError("INSERT INTO strict VALUES ('{}')")).sqlstate).toBe('42809');
  expect(await a.rows('SELECT count(*) FROM strict')).toEqual([[0]]);
  // The front end still serves.
  expect((await post('strict', '[1, 2]')).status).toBe(200);
  expect(await a.rows('SELECT body::text FROM strict')).toEqual([['[1, 2]']]);
});

test('every accepted row survives a SIGKILL of the environment process', async () => {
  await a.sql('CREATE SOURCE durable FROM WEBHOOK BODY FORMAT TEXT');
  const sent: string[] = [];
  for (let i = 0; i < 30; i++) {
    const r = await post('durable', `row ${i}`);
    if (r.status === 200) sent.push(`row ${i}`);
  }
  expect(sent.length).toBe(30);
  const env = p.envProcess;
  const exited = new Promise((r) => env.once('exit', r));
  env.kill('SIGKILL');
  await exited;
  rmSync(join(p.dataDir, 'webhook.port'), { force: true });
  await p.startEnv();
  await a.close();
  a = await connectClient(nats, region);
  base = `http://127.0.0.1:${await webhookPort(p)}/api/webhook/materialize/public`;
  const rows = (await a.rows('SELECT body FROM durable')).map((r) => r[0] as string).sort();
  expect(rows).toEqual([...sent].sort());
  expect((await post('durable', 'after')).status).toBe(200);
  expect(await a.rows('SELECT count(*) FROM durable')).toEqual([[31]]);
});

test('a JSON body keeps its numbers exact, as jsonb prints them (issue #18)', async () => {
  await a.sql('CREATE SOURCE amounts_hook FROM WEBHOOK BODY FORMAT JSON');
  const r = await post('amounts_hook', '{"a": 1.50, "b": 12345678901234567890123, "c": [1e3, -0, 0.1], "s": "1.50"}');
  expect(r.status).toBe(200);
  expect(await a.rows('SELECT body::text FROM amounts_hook')).toEqual([['{"a": 1.50, "b": 12345678901234567890123, "c": [1000, 0, 0.1], "s": "1.50"}']]);
});
