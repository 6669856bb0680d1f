/**
 * pgwire authentication and TLS with real clients against two real platforms on one
 * nats-server: the default account DFN (TLS configured with a self-signed certificate made by
 * openssl, SCRAM-SHA-256) and the tenant ACME (no TLS, cleartext passwords). node-postgres and
 * psql: `materialize` without a password on loopback (DFN only); the account's NATS client user
 * with its nats.conf password (SCRAM / cleartext); a wrong password or an unknown user is 28P01
 * and the server keeps serving; a user of one account is unknown in the other and never sees its
 * tables; sslmode=require over TLS, refused where TLS is off; plaintext bytes after SSLRequest
 * are 08P01.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { TLSSocket } from 'node:tls';
import pg from 'pg';
import { setupNats, type TestNats } from '../../helpers/nats.js';
import { pgwirePort, startPlatform, type TestPlatform } from '../../helpers/platform.js';

const require = createRequire(import.meta.url);
const { serialize } = require('pg-protocol') as typeof import('pg-protocol');

const region = 'pgauth';
let nats: TestNats;
let dfn: TestPlatform;
let acme: TestPlatform;
let dfnPort: number;
let acmePort: number;
let certDir: string;

const DFN_CLIENT = { user: 'client', password: 'client-secret' };
const ACME_CLIENT = { user: 'acme-client', password: 'acme-client-secret' };

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'dfn-pgauth-cert-'));
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
  nats = await setupNats();
  dfn = await startPlatform(nats, region, { DFN_PGWIRE_TLS_CERT: join(certDir, 'cert.pem'), DFN_PGWIRE_TLS_KEY: join(certDir, 'key.pem') });
  acme = await startPlatform(nats, region, { DFN_NATS_USER: 'acme-platform', DFN_NATS_PASS: 'acme-platform-secret', DFN_PGWIRE_AUTH: 'password' });
  dfnPort = await pgwirePort(dfn);
  acmePort = await pgwirePort(acme);
});
afterAll(async () => {
  await dfn?.cleanup();
  await acme?.cleanup();
  await nats?.cleanup();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

function client(port: number, extra: Partial<pg.ClientConfig> = {}): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port, database: 'materialize', user: 'materialize', ...extra });
}

/** Connects, runs `fn`, disconnects. */
async function using<T>(c: pg.Client, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function connectError(c: pg.Client): Promise<{ code?: string; message: string }> {
  try {
    await c.connect();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  await c.end();
  throw new Error('expected the connection to fail');
}

function psql(port: number, user: string, script: string, env: Record<string, string> = {}, conn = ''): { stdout: string; stderr: string; status: number | null } {
  const base = { ...process.env };
  for (const k of ['PGPASSWORD', 'PGSSLMODE', 'PGUSER', 'PGDATABASE', 'PGPASSFILE']) delete base[k];
  const r = spawnSync('psql', ['-X', '-w', '-v', 'ON_ERROR_STOP=1', `host=127.0.0.1 port=${port} user=${user} dbname=materialize ${conn}`], {
    input: script,
    encoding: 'utf8',
    env: { ...base, PGCONNECT_TIMEOUT: '30', PAGER: '', PGPASSFILE: '/dev/null', ...env },
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const names = (rows: Array<Record<string, unknown>>): unknown[] => rows.map((r) => Object.values(r)[0]).sort();

test('SCRAM-SHA-256 with node-postgres: the password user of the default account; materialize keeps trust on loopback', async () => {
  await using(client(dfnPort), (c) => c.query('CREATE TABLE dfn_items (id int NOT NULL)'));
  await using(client(dfnPort, DFN_CLIENT), async (c) => {
    await c.query('INSERT INTO dfn_items VALUES (1), (2)');
    expect((await c.query('SELECT count(*) AS n FROM dfn_items')).rows).toEqual([{ n: '2' }]);
    expect((await c.query('SELECT current_user AS u')).rows).toEqual([{ u: 'client' }]);
  });
  // The exchange really is SCRAM: pg's SASL session object records the mechanism and the server's signature it checked.
  const c = client(dfnPort, DFN_CLIENT);
  const seen: string[] = [];
  const conn = (c as unknown as { connection: { on(e: string, f: (m: { name: string; mechanisms?: string[] }) => void): void } }).connection;
  for (const e of ['authenticationSASL', 'authenticationSASLContinue', 'authenticationSASLFinal', 'authenticationCleartextPassword', 'authenticationOk']) {
    conn.on(e, (m) => seen.push(m.mechanisms ? `${m.name} ${m.mechanisms.join(',')}` : m.name));
  }
  await using(c, async () => undefined);
  expect(seen).toEqual(['authenticationSASL SCRAM-SHA-256', 'authenticationSASLContinue', 'authenticationSASLFinal', 'authenticationOk']);
});

test('a wrong password and an unknown user are 28P01; the server keeps serving others', async () => {
  const wrong = await connectError(client(dfnPort, { user: 'client', password: 'not-the-secret' }));
  expect(wrong).toMatchObject({ code: '28P01', message: 'password authentication failed for user "client"' });
  const unknown = await connectError(client(dfnPort, { user: 'mallory', password: 'client-secret' }));
  expect(unknown).toMatchObject({ code: '28P01', message: 'password authentication failed for user "mallory"' });
  // The platform user and the inspector are NATS users of DFN, but not pg users.
  expect(await connectError(client(dfnPort, { user: 'platform', password: 'platform-secret' }))).toMatchObject({ code: '28P01' });
  expect(await connectError(client(dfnPort, { user: 'inspector', password: 'inspector-secret' }))).toMatchObject({ code: '28P01' });
  expect(await connectError(client(acmePort, { user: 'acme-client', password: 'wrong' }))).toMatchObject({ code: '28P01' });
  // After an authenticated user: an unknown database is 3D000.
  expect(await connectError(client(dfnPort, { ...DFN_CLIENT, database: 'nope' }))).toMatchObject({ code: '3D000' });
  expect(await using(client(dfnPort, DFN_CLIENT), async (c) => (await c.query('SELECT count(*) AS n FROM dfn_items')).rows)).toEqual([{ n: '2' }]);
});

test("accounts: a user of ACME is unknown to DFN's front end and sees only ACME's tables; materialize is not trusted in ACME", async () => {
  await using(client(acmePort, ACME_CLIENT), async (c) => {
    await c.query('CREATE TABLE acme_items (id int NOT NULL, label text)');
    await c.query("INSERT INTO acme_items VALUES (7, 'seven')");
    expect(names((await c.query('SHOW TABLES')).rows)).toEqual(['acme_items']);
    expect(await c.query('SELECT * FROM dfn_items').catch((e: { code?: string }) => e.code)).toBe('42P01');
    expect((await c.query('SELECT current_user AS u')).rows).toEqual([{ u: 'acme-client' }]);
  });
  expect(names(await using(client(dfnPort, DFN_CLIENT), async (c) => (await c.query('SHOW TABLES')).rows))).toEqual(['dfn_items']);
  expect(await using(client(dfnPort), (c) => c.query('SELECT * FROM acme_items').catch((e: { code?: string }) => e.code))).toBe('42P01');
  // Credentials of one account do not open the other's front end.
  expect(await connectError(client(dfnPort, ACME_CLIENT))).toMatchObject({ code: '28P01' });
  expect(await connectError(client(acmePort, DFN_CLIENT))).toMatchObject({ code: '28P01' });
  expect(await connectError(client(acmePort, { user: 'materialize', password: 'anything' }))).toMatchObject({ code: '28P01' });
});

test('cleartext password (DFN_PGWIRE_AUTH=password) with node-postgres', async () => {
  const c = client(acmePort, ACME_CLIENT);
  const seen: string[] = [];
  const conn = (c as unknown as { connection: { on(e: string, f: (m: { name: string }) => void): void } }).connection;
  for (const e of ['authenticationSASL', 'authenticationCleartextPassword', 'authenticationOk']) conn.on(e, (m) => seen.push(m.name));
  expect(await using(c, async () => (await c.query('SELECT id FROM acme_items')).rows)).toEqual([{ id: 7 }]);
  expect(seen).toEqual(['authenticationCleartextPassword', 'authenticationOk']);
});

test('psql with PGPASSWORD: SCRAM (DFN) and cleartext (ACME); a wrong one fails (password authentication failed)', () => {
  const ok = psql(dfnPort, 'client', 'SELECT count(*) AS n FROM dfn_items;', { PGPASSWORD: 'client-secret' });
  expect(ok.stderr).toBe('');
  expect(ok.stdout).toMatch(/ n \n---\n 2\n\(1 row\)/);
  const acmeOk = psql(acmePort, 'acme-client', 'SELECT label FROM acme_items;', { PGPASSWORD: 'acme-client-secret' });
  expect(acmeOk.stdout).toMatch(/ label \n-------\n seven\n/);
  const bad = psql(dfnPort, 'client', 'SELECT 1;', { PGPASSWORD: 'nope', PGSSLMODE: 'disable' });
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('password authentication failed for user "client"');
  // No password at all: psql -w cannot prompt and gives up.
  const none = psql(dfnPort, 'client', 'SELECT 1;');
  expect(none.status).toBe(2);
  expect(none.stderr).toMatch(/no password supplied/);
  // materialize needs none.
  expect(psql(dfnPort, 'materialize', 'SELECT 1 AS one;').stdout).toContain(' one \n-----\n   1\n');
});

test('TLS: pg with ssl and psql with sslmode=require on DFN; ACME (no TLS) refuses sslmode=require', async () => {
  for (const who of [{}, DFN_CLIENT]) {
    const c = client(dfnPort, { ...who, ssl: { rejectUnauthorized: false } });
    await using(c, async () => {
      const stream = (c as unknown as { connection: { stream: TLSSocket } }).connection.stream;
      expect(stream.encrypted).toBe(true);
      expect(stream.getProtocol()).toMatch(/^TLSv1\.[23]$/);
      expect((await c.query('SELECT count(*) AS n FROM dfn_items')).rows).toEqual([{ n: '2' }]);
    });
  }
  // SCRAM-SHA-256-PLUS (channel binding to the server's certificate) when pg is asked to use it.
  const bound = client(dfnPort, { ...DFN_CLIENT, ssl: { rejectUnauthorized: false }, enableChannelBinding: true } as pg.ClientConfig);
  const conn = (bound as unknown as { connection: { sendSASLInitialResponseMessage(m: string, r: string): void } }).connection;
  const mechanisms: string[] = [];
  const send = conn.sendSASLInitialResponseMessage.bind(conn);
  conn.sendSASLInitialResponseMessage = (m, r) => (mechanisms.push(`${m} ${r.slice(0, 24)}`), send(m, r));
  expect(await using(bound, async (c) => (await c.query('SELECT count(*) AS n FROM dfn_items')).rows)).toEqual([{ n: '2' }]);
  expect(mechanisms).toEqual(['SCRAM-SHA-256-PLUS p=tls-server-end-point,,']);
  // psql: channel_binding=require fails unless the server does SCRAM-SHA-256-PLUS correctly.
  const viaTls = psql(dfnPort, 'client', '\\conninfo\nSELECT count(*) AS n FROM dfn_items;', { PGPASSWORD: 'client-secret' }, 'sslmode=require channel_binding=require');
  expect(viaTls.stderr).toBe('');
  expect(viaTls.stdout).toMatch(/SSL connection \(protocol: TLSv1\.[23]/);
  expect(viaTls.stdout).toMatch(/ n \n---\n 2\n/);
  // Without sslmode the server still accepts plaintext (TLS is offered, not required).
  expect(psql(dfnPort, 'materialize', '\\conninfo', {}, 'sslmode=disable').stdout).not.toContain('SSL connection');
  const refused = psql(acmePort, 'acme-client', 'SELECT 1;', { PGPASSWORD: 'acme-client-secret' }, 'sslmode=require');
  expect(refused.status).toBe(2);
  expect(refused.stderr).toMatch(/server does not support SSL/);
  const pgRefused = await connectError(client(acmePort, { ...ACME_CLIENT, ssl: { rejectUnauthorized: false } }));
  expect(pgRefused.message).toMatch(/does not support SSL/);
});

test('plaintext bytes sent after SSLRequest are refused (08P01); GSSENCRequest is answered N', async () => {
  const reply = await new Promise<Buffer>((resolve, reject) => {
    const s = netConnect(dfnPort, '127.0.0.1', () => s.write(Buffer.concat([serialize.requestSsl(), serialize.startup({ user: 'materialize', database: 'materialize' })])));
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    s.on('close', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
  expect(reply.toString('latin1')).toMatch(/^E.*C08P01\0Mreceived unencrypted data after SSL request\0/s);
  const gss = await new Promise<Buffer>((resolve, reject) => {
    const req = Buffer.alloc(8);
    req.writeInt32BE(8, 0);
    req.writeInt32BE(80877104, 4);
    const s = netConnect(dfnPort, '127.0.0.1', () => s.write(req));
    s.once('data', (d) => (resolve(d), s.destroy()));
    s.once('error', reject);
  });
  expect(gss.toString()).toBe('N');
  expect(await using(client(dfnPort), async (c) => (await c.query('SELECT 1 AS one')).rows)).toEqual([{ one: 1 }]);
});
