/**
 * Reader.atTimestamp (actors/control/reads.ts): an input's since follows its upper, so under load
 * it can pass a read's chosen timestamp before the read reaches the input. Without AS OF the read
 * runs again at a new timestamp; with AS OF (or after its retries) it is SnapshotTooOld; other
 * errors pass through. Real NATS, a real storage host and timeline; the first read's failure is
 * the SinceViolation STORAGE itself answers for a snapshot below since.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../../runtime/host.js';
import { Transport } from '../../runtime/transport.js';
import { timelineKind } from '../../actors/control/timeline.js';
import { TimelineClient, timelineActorId } from '../../actors/control/timestamps.js';
import { Reader } from '../../actors/control/reads.js';
import { collectionKind } from '../../actors/storage/collection.js';
import { storageControllerKind } from '../../actors/storage/controller.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { SqlError, SqlState } from '../../protocol/control/errors.js';
import { InvalidRequestError } from '../../protocol/errors.js';
import { setupNats, eventually, PLATFORM_USER, type TestNats } from '../helpers/nats.js';

let nats: TestNats;
let t: Transport;
let host: Host;
let dir: string;
let storage: StorageClient;
let reader: Reader;
let belowSince: number;

beforeAll(async () => {
  nats = await setupNats();
  dir = mkdtempSync(join(tmpdir(), 'dfn-rr-'));
  host = await Host.start({ hostId: 'rr', region: 'rr', servers: nats.url, ...PLATFORM_USER, dataDir: dir, kinds: [timelineKind, collectionKind, storageControllerKind] });
  await host.startActor({ kind: 'timeline', id: timelineActorId('main') });
  await host.startActor({ kind: 'storage-controller', id: 'main', config: { hosts: ['rr'] } });
  t = await Transport.connect({ servers: nats.url, name: 'test:rr', ...PLATFORM_USER });
  storage = new StorageClient(t, 'rr');
  await eventually(() => storage.createSource('t1', { kind: 'table', schema: [{ name: 'k', type: 'int', nullable: false }] }), 'the table created');
  const { upper } = await storage.describe('t1');
  await storage.compareAndAppend({ collection: 't1', writer: 'w', expectedUpper: upper, newUpper: upper + 10, updates: [[[1], upper, 1]] });
  reader = new Reader(t, 'rr', storage, new TimelineClient(t, 'rr', 'main'));
  // The read policy moves since to 1 s behind upper (periodically): a time below it is gone.
  await eventually(async () => (await storage.describe('t1')).since > 0, 'since moved past 0');
  belowSince = (await storage.describe('t1')).since - 1;
});
afterAll(async () => {
  await t?.close();
  await host?.shutdown();
  await nats.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const request = (asOf?: number) => ({ inputs: new Map([['t1', { collection: 't1' }]]), isolation: 'serializable' as const, ...(asOf !== undefined ? { asOf } : {}) });

test('a read that meets a since passing its timestamp runs again at a new one', async () => {
  const tried: number[] = [];
  const { ts, value } = await reader.atTimestamp(request(), async (at) => {
    tried.push(at);
    // The first time, what a since that moved on meanwhile answers: a snapshot below it.
    return storage.snapshotAll('t1', tried.length === 1 ? belowSince : at);
  });
  expect(tried).toHaveLength(2);
  expect(ts).toBe(tried[1]);
  expect(value).toEqual([[[1], 1]]);
});

test('with AS OF, or when every retry fails, it is SnapshotTooOld; other errors pass through', async () => {
  const { ts } = await reader.atTimestamp(request(), async () => undefined);
  let calls = 0;
  const below = () => {
    calls++;
    return storage.snapshotAll('t1', belowSince);
  };
  const asOf = await reader.atTimestamp(request(ts), below).catch((e: unknown) => e);
  expect(asOf).toBeInstanceOf(SqlError);
  expect((asOf as SqlError).sqlstate).toBe(SqlState.SnapshotTooOld);
  expect(calls).toBe(1);
  calls = 0;
  const always = await reader.atTimestamp(request(), below).catch((e: unknown) => e);
  expect((always as SqlError).sqlstate).toBe(SqlState.SnapshotTooOld);
  expect(calls).toBe(5);
  calls = 0;
  const other = await reader.atTimestamp(request(), async () => {
    calls++;
    throw new InvalidRequestError('not a since');
  }).catch((e: unknown) => e);
  expect(other).toBeInstanceOf(InvalidRequestError);
  expect(calls).toBe(1);
});
