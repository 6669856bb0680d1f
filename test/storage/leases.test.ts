/**
 * Bulk lease renewal (protocol/storage/leases.ts) over a real nats-server and LevelDB: a
 * subscription opened with a progress inbox that a RenewLeases names outlives the 60 s lease
 * without any Credit; one whose inbox nobody renews, and one opened without a progress inbox,
 * expire. The host's clock is moved past the lease instead of waiting for it. A malformed
 * RenewLeases is dropped and the host keeps serving.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../../runtime/host.js';
import { Transport } from '../../runtime/transport.js';
import type { Clock } from '../../runtime/clock.js';
import { systemClock } from '../../runtime/clock.js';
import { collectionKind } from '../../actors/storage/collection.js';
import { storageControllerKind } from '../../actors/storage/controller.js';
import { LEASE_MS } from '../../actors/storage/subscriptions.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { collectionSubject, leasesSubject } from '../../protocol/storage/subjects.js';
import { decode } from '../../protocol/codec.js';
import { setupNats, eventually, PLATFORM_USER, type TestNats } from '../helpers/nats.js';

const REGION = 'lease';
let nats: TestNats;
let host: Host;
let t: Transport;
let client: StorageClient;
let dir: string;
let offset = 0;
const clock: Clock = { now: () => Date.now() + offset, setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms) };

beforeAll(async () => {
  nats = await setupNats();
  dir = mkdtempSync(join(tmpdir(), 'dfn-lease-'));
  host = await Host.start({ hostId: 'storage-0', region: REGION, servers: nats.url, ...PLATFORM_USER, dataDir: dir, clock, kinds: [collectionKind, storageControllerKind] });
  await host.startActor({ kind: 'storage-controller', id: 'main', config: { hosts: ['storage-0'] } });
  t = await Transport.connect({ servers: nats.url, name: 'test:lease', ...PLATFORM_USER });
  client = new StorageClient(t, REGION);
});
afterAll(async () => {
  await t.close();
  await host.shutdown();
  await nats.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw Subscribe (as a client in another language sends it); records how its stream ended. */
async function rawSubscribe(id: string, asOf: number, progressInbox?: string) {
  const ended: string[] = [];
  const inbox = `_INBOX.lease.${id}`;
  t.subscribe(inbox, (msg) => {
    const body = decode(msg.data) as { type: string; reason?: string };
    if (body.type === 'SubscribeEnd') ended.push(body.reason!);
  });
  await t.request(collectionSubject(REGION, 'lt'), { type: 'Subscribe', subscribeId: id, inbox, asOf, snapshot: false, credit: 100, ...(progressInbox ? { progressInbox } : {}) });
  return ended;
}

test('RenewLeases keeps the subscriptions of its progress inbox alive; the others expire', async () => {
  await client.createSource('lt', { kind: 'table', schema: [{ name: 'k', type: 'int', nullable: false }] });
  const { upper } = await client.describe('lt');
  const renewed = await rawSubscribe('renewed', upper - 1, '_INBOX.lease.p-renewed');
  const unrenewed = await rawSubscribe('unrenewed', upper - 1, '_INBOX.lease.p-unrenewed');
  const plain = await rawSubscribe('plain', upper - 1);

  // Garbage on the leases subject is dropped, not fatal.
  t.publish(leasesSubject(REGION), { type: 'RenewLeases', progressInbox: 'bad inbox with spaces' });
  t.publishEncoded(leasesSubject(REGION), 'RenewLeases', new Uint8Array([0xc1, 0xff]));

  offset = LEASE_MS + 1000;
  t.publish(leasesSubject(REGION), { type: 'RenewLeases', progressInbox: '_INBOX.lease.p-renewed' });
  await eventually(() => unrenewed.length > 0 && plain.length > 0, 'the unrenewed subscriptions expire');
  expect(unrenewed).toEqual(['expired']);
  expect(plain).toEqual(['expired']);
  expect(renewed).toEqual([]);
  // The renewed one is still served: a Credit for it is accepted.
  await expect(t.request(collectionSubject(REGION, 'lt'), { type: 'Credit', subscribeId: 'renewed', credit: 1 })).resolves.toBeDefined();
  await expect(t.request(collectionSubject(REGION, 'lt'), { type: 'Credit', subscribeId: 'unrenewed', credit: 1 })).rejects.toMatchObject({ code: 'NotFound' });
  offset = 0;
});

test("StorageClient renews all of its subscriptions' leases with one RenewLeases naming its progress inbox", async () => {
  const seen: string[] = [];
  const s = t.subscribe(leasesSubject(REGION), (msg) => seen.push((decode(msg.data) as { progressInbox: string }).progressInbox));
  const { upper } = await client.describe('lt');
  const subs = await Promise.all([0, 1, 2].map(() => client.subscribe('lt', upper - 1, { updates: () => undefined, progress: () => undefined, failed: () => undefined })));
  client.renewLeases();
  await eventually(() => seen.length > 0, 'a RenewLeases');
  await new Promise((r) => setTimeout(r, 200));
  expect(seen).toEqual([client.progressInbox]);
  for (const sub of subs) sub.cancel();
  s.unsubscribe();
});
