/**
 * pgwire across a restart of the environment process: SIGKILLed under a connected node-postgres
 * client, the client gets a connection error (not a hang); after the restart a new connection on
 * the listener's new port (port 0 in tests: the restart writes it again) reads every write
 * acknowledged before the kill.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { signal } from '../../../runtime/process-util.js';
import { setupNats, type TestNats } from '../../helpers/nats.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../../helpers/platform.js';

const region = 'pgwirerestart';
let nats: TestNats;
let p: TestPlatform;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
});
afterAll(async () => {
  await p?.cleanup();
  await nats?.cleanup();
});

function client(port: number): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port, user: 'materialize', database: 'materialize' });
}

test('SIGKILL of the environment process: a connection error, then a new connection sees every acknowledged write', async () => {
  const a = client(await pgwirePort(p));
  await a.connect();
  const errors: Error[] = [];
  a.on('error', (e) => errors.push(e));
  await a.query('CREATE TABLE t (id int NOT NULL)');
  let acknowledged = 0;
  for (let i = 1; i <= 20; i++) {
    await a.query('INSERT INTO t VALUES ($1)', [i]);
    acknowledged = i;
  }
  rmSync(join(p.dataDir, 'pgwire.port'), { force: true });
  signal(p.envProcess.pid!, 'SIGKILL');
  const failed = await a.query('SELECT 1').then(() => undefined, (e: Error) => e);
  expect(failed?.message).toMatch(/Connection terminated|ECONNRESET|Client has encountered a connection error|not queryable/);
  await p.startEnv();
  const port = await pgwirePort(p);
  let b: pg.Client | undefined;
  // The coordinator reloads its catalog after the restart: 57P03 until it is up.
  for (let tries = 0; !b && tries < 600; tries++) {
    const c = client(port);
    try {
      await c.connect();
      b = c;
    } catch (err) {
      expect((err as { code?: string }).code).toBe('57P03');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!b) throw new Error('no connection after the restart');
  const r = await b.query('SELECT count(*) AS n, max(id) AS top FROM t');
  // count(*) is bigint (int8): node-postgres gives int8 as a string, as it does with Postgres
  expect(r.rows).toEqual([{ n: String(acknowledged), top: acknowledged }]);
  await b.end();
  await a.end().catch(() => undefined);
});
