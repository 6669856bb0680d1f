/**
 * Account isolation: two tenants (the DFN and ACME accounts of nats.conf) each run a platform on
 * one nats-server, with the same region name. Each client sees only its own account's catalog and
 * rows, cannot reach the other account's sessions (no responders), and as a client user cannot
 * publish to internal subjects (storage, sys): the permission violation is an error and changes
 * nothing.
 */
import { StorageClient } from '../../protocol/storage/client.js';
import { collectionSubject, storageControllerSubject } from '../../protocol/storage/subjects.js';
import { hostSubject, orchestratorSubject } from '../../protocol/subjects.js';
import { setupNats, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectClient, sorted, type SqlClient } from './sql-client.js';

// The same region name in both accounts: subjects are equal, but they never cross accounts.
const region = 'tenants';
const ACME_PLATFORM = { DFN_NATS_USER: 'acme-platform', DFN_NATS_PASS: 'acme-platform-secret' };
const ACME_CLIENT = { user: 'acme-client', pass: 'acme-client-secret' };

let nats: TestNats;
let dfnPlatform: TestPlatform;
let acmePlatform: TestPlatform;
let dfn: SqlClient;
let acme: SqlClient;

const DFN_ROWS = [[1, 'dfn-one'], [2, 'dfn-two']];
const ACME_ROWS = [[1, 'acme-one'], [3, 'acme-three'], [4, 'acme-four']];

beforeAll(async () => {
  nats = await setupNats();
  dfnPlatform = await startPlatform(nats, region);
  acmePlatform = await startPlatform(nats, region, ACME_PLATFORM);
  dfn = await connectClient(nats, region);
  acme = await connectClient(nats, region, {}, ACME_CLIENT);
});
afterAll(async () => {
  await dfn?.close();
  await acme?.close();
  await dfnPlatform?.cleanup();
  await acmePlatform?.cleanup();
  await nats?.cleanup();
});

/** The table's catalog objects and rows as the account's own client sees them. */
async function state(c: SqlClient) {
  return { objects: await c.rows('SHOW OBJECTS'), rows: sorted(await c.rows('SELECT * FROM items')) };
}

test('01-own-data: each account sees only its own catalog and rows', async () => {
  await dfn.sql('CREATE TABLE items (id int NOT NULL, label text)');
  await acme.sql('CREATE TABLE items (id int NOT NULL, label text); CREATE TABLE acme_only (x int)');
  await dfn.sql("INSERT INTO items VALUES (1, 'dfn-one'), (2, 'dfn-two')");
  await acme.sql("INSERT INTO items VALUES (1, 'acme-one'), (3, 'acme-three'), (4, 'acme-four')");

  expect(sorted(await dfn.rows('SELECT * FROM items'))).toEqual(sorted(DFN_ROWS));
  expect(sorted(await acme.rows('SELECT * FROM items'))).toEqual(sorted(ACME_ROWS));
  expect((await dfn.rows('SHOW OBJECTS')).map((r) => r[0])).toEqual(['items']);
  expect((await acme.rows('SHOW OBJECTS')).map((r) => r[0])).toEqual(['acme_only', 'items']);
  expect((await dfn.sqlError('SELECT * FROM acme_only')).sqlstate).toBe('42P01');

  // Each platform's sessions are answered by its own coordinator: the session subjects differ,
  // and each platform's STORAGE holds only its own account's rows.
  expect(dfn.session.subject).not.toBe(acme.session.subject);
  for (const [p, rows] of [[dfnPlatform, DFN_ROWS], [acmePlatform, ACME_ROWS]] as const) {
    const storage = new StorageClient(p.transport, region);
    const tables = (await storage.list()).filter((c) => c.kind === 'table');
    const contents = await Promise.all(tables.map(async (t) => (await storage.snapshot(t.id, (await storage.describe(t.id)).upper - 1, true)).map(([r]) => r)));
    expect(sorted(contents.flat())).toEqual(sorted(rows.map((r) => [...r])));
  }
});

test("02-no-crossing: a client cannot reach the other account's sessions", async () => {
  const before = { dfn: await state(dfn), acme: await state(acme) };
  // ACME's client sends to DFN's session subject (and the reverse): nobody listens in its account.
  await expect(acme.transport.request(dfn.session.subject, { type: 'Execute', sql: "INSERT INTO items VALUES (9, 'intruder')" })).rejects.toMatchObject({ code: 'NoResponders' });
  await expect(acme.transport.request(dfn.session.subject, { type: 'Execute', sql: 'SELECT * FROM items' })).rejects.toMatchObject({ code: 'NoResponders' });
  await expect(dfn.transport.request(acme.session.subject, { type: 'Execute', sql: 'DROP TABLE items' })).rejects.toMatchObject({ code: 'NoResponders' });
  await expect(dfn.transport.request(acme.session.subject, { type: 'KeepAlive' })).rejects.toMatchObject({ code: 'NoResponders' });
  // Both sessions are unharmed and nothing changed.
  expect({ dfn: await state(dfn), acme: await state(acme) }).toEqual(before);
});

test('03-permissions: a client user cannot publish to internal subjects', async () => {
  const before = { dfn: await state(dfn), acme: await state(acme) };
  const hostsBefore = (await dfnPlatform.hosts()).map((h) => [h.hostId, h.pid, h.state]);
  const collections = (await new StorageClient(dfnPlatform.transport, region).list()).map((c) => c.id);
  expect(collections.length).toBeGreaterThan(0);
  const internal: Array<[string, { type: string; [k: string]: unknown }]> = [
    ...collections.map((id): [string, { type: string }] => [collectionSubject(region, id), { type: 'Drop' }]),
    [storageControllerSubject(region), { type: 'DropSource', id: collections[0]! }],
    [orchestratorSubject(region), { type: 'Shutdown' }],
    [hostSubject(region, 'storage-0'), { type: 'ShutdownHost' }],
    [hostSubject(region, 'env'), { type: 'KillActor', id: 'main' }],
  ];
  for (const c of [dfn, acme]) {
    for (const [subject, message] of internal) {
      await expect(c.transport.request(subject, message, { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'PermissionDenied' });
    }
    // A fire-and-forget publish is refused by the server too (reported asynchronously); the
    // connection stays up and keeps serving.
    c.transport.publish(orchestratorSubject(region), { type: 'Shutdown' });
    await c.transport.nc.flush();
    expect(c.transport.nc.isClosed()).toBe(false);
  }
  expect({ dfn: await state(dfn), acme: await state(acme) }).toEqual(before);
  expect((await dfnPlatform.hosts()).map((h) => [h.hostId, h.pid, h.state])).toEqual(hostsBefore);
  expect((await new StorageClient(dfnPlatform.transport, region).list()).map((c) => c.id)).toEqual(collections);
  // Both platforms keep taking writes.
  await dfn.sql("INSERT INTO items VALUES (5, 'dfn-five')");
  await acme.sql("INSERT INTO items VALUES (5, 'acme-five')");
  expect(sorted(await dfn.rows('SELECT * FROM items'))).toEqual(sorted([...DFN_ROWS, [5, 'dfn-five']]));
  expect(sorted(await acme.rows('SELECT * FROM items'))).toEqual(sorted([...ACME_ROWS, [5, 'acme-five']]));
});
