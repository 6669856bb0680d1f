/**
 * STORAGE restarts, by phase, with real processes killed by SIGKILL: a JetStream source ingests
 * while a publisher writes and a subscriber reads.
 * 01-create: the source, the stream, the subscriber.
 * 02-after-storage-host-kill: the storage host killed at random points of ingestion (three times):
 *   nothing acknowledged is lost, nothing is stored twice, zero upstream re-reads, upper never
 *   goes backwards, and the subscriber (which outlives the kills) saw every update exactly once.
 * 03-after-controller-restart: the environment process (storage controller) killed: the
 *   collection keeps ingesting meanwhile; the restarted controller adopts it with zero restarts.
 */
import { jetstreamManager, jetstream } from '@nats-io/jetstream';
import { signal } from '../../runtime/process-util.js';
import { SeededRandom } from '../../runtime/random.js';
import { decode } from '../../protocol/codec.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { allFrontiersSubject, collectionStatusSubject } from '../../protocol/storage/subjects.js';
import type { HostFrontiers, StatusUpdate } from '../../protocol/storage/response.js';
import type { Update } from '../../protocol/types.js';
import { setupNats, eventually, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';

const region = 'strs';
const schema = [
  { name: 'id', type: 'int' as const, nullable: false },
  { name: 'body', type: 'text' as const, nullable: false },
];
let nats: TestNats;
let p: TestPlatform;
let client: StorageClient;
const seen: Update[] = [];
const uppers: number[] = [];
const statuses: StatusUpdate[] = [];
let published = 0;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  client = new StorageClient(p.transport, region);
  p.transport.subscribe(allFrontiersSubject(region), (m) => {
    for (const f of (decode(m.data) as HostFrontiers).collections) if (f.collection === 'events' && f.upper.length === 1) uppers.push(f.upper[0]!);
  });
  p.transport.subscribe(collectionStatusSubject(region, 'events'), (m) => statuses.push(decode(m.data) as StatusUpdate));
});
afterAll(async () => {
  await p.cleanup();
  await nats.cleanup();
});

async function publish(n: number): Promise<void> {
  const js = jetstream(p.transport.nc);
  for (let i = 0; i < n; i++) {
    published++;
    await js.publish('events.new', JSON.stringify({ id: published, body: `event ${published}` }));
  }
}

async function storageHostPid(): Promise<number> {
  return (await p.hosts()).find((h) => h.hostId === 'storage-0')!.pid;
}

async function caughtUp(): Promise<void> {
  await eventually(async () => (await client.describe('events')).position >= published, `ingested ${published}`);
}

test('01-create: a JetStream source ingests and a subscriber follows it', async () => {
  const jsm = await jetstreamManager(p.transport.nc);
  await jsm.streams.add({ name: 'EVENTS', subjects: ['events.>'] });
  await eventually(() => client.createSource('events', { kind: 'jetstream', stream: 'EVENTS', format: 'json', schema, batchSize: 50 }), 'storage controller up');
  const { upper } = await eventually(() => client.describe('events'), 'collection running');
  await client.subscribe('events', upper - 1, {
    updates: (u) => seen.push(...u),
    progress: () => undefined,
    failed: (e) => {
      throw e;
    },
  });
  await publish(200);
  await caughtUp();
});

test('02-after-storage-host-kill: no loss, no duplicates, no re-reads, upper monotone', async () => {
  const rnd = new SeededRandom(42);
  for (let round = 0; round < 3; round++) {
    const pid = await storageHostPid();
    const load = publish(300);
    await new Promise((r) => setTimeout(r, 20 + rnd.int(200)));
    signal(pid, 'SIGKILL'); // somewhere in the middle of ingestion
    await load;
    await eventually(async () => (await storageHostPid()) !== pid, 'storage host restarted');
    await caughtUp();
  }
  const d = await client.describe('events');
  expect(d.upstreamRereads).toBe(0);
  expect(d.badMessages).toBe(0);
  const rows = await client.snapshot('events', d.upper - 1, true);
  expect(rows.every(([, diff]) => diff === 1)).toBe(true);
  expect(rows.map(([r]) => r[0] as number).sort((a, b) => a - b)).toEqual(Array.from({ length: published }, (_, i) => i + 1));
  for (let i = 1; i < uppers.length; i++) expect(uppers[i]!).toBeGreaterThanOrEqual(uppers[i - 1]!);
  // the subscriber outlived three kills and saw each event exactly once
  await eventually(() => seen.length >= published, 'subscriber caught up');
  const ids = seen.map(([r]) => r[0] as number).sort((a, b) => a - b);
  expect(ids).toEqual(Array.from({ length: published }, (_, i) => i + 1));
});

test('03-after-controller-restart: the collection keeps ingesting and is adopted, not restarted', async () => {
  const startsBefore = statuses.filter((s) => s.status === 'starting').length;
  signal(p.envProcess.pid!, 'SIGKILL');
  await publish(100); // the controller is down; the collection is not
  await caughtUp();
  await p.startEnv();
  await eventually(async () => (await client.list()).some((c) => c.id === 'events' && c.summary?.status === 'running'), 'controller lists the collection');
  await publish(50);
  await caughtUp();
  expect(statuses.filter((s) => s.status === 'starting').length).toBe(startsBefore);
  const d = await client.describe('events');
  expect(d.upstreamRereads).toBe(0);
  expect((await client.snapshot('events', d.upper - 1, true)).length).toBe(published);
});
