/**
 * STORAGE restarts with many updates stored, by phase, with the storage host killed by SIGKILL:
 * a counter generator ingests 200,000 offsets while since follows upper, so merges below since run
 * between and after the kills.
 * 01-during-ingestion: the host killed twice while the generator ingests: every offset is stored
 *   exactly once, zero upstream re-reads, upper never goes backwards.
 * 02-after-compaction: once since has passed every batch (merges below since ran), the host killed
 *   again: the same contents, the batch list still logarithmic, and ingestion (upper) goes on.
 */
import { signal } from '../../runtime/process-util.js';
import { SeededRandom } from '../../runtime/random.js';
import { decode } from '../../protocol/codec.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { allFrontiersSubject } from '../../protocol/storage/subjects.js';
import { GENERATOR_SCHEMAS } from '../../protocol/storage/source.js';
import type { HostFrontiers } from '../../protocol/storage/response.js';
import { setupNats, eventually, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';

const region = 'strst';
const N = 200_000;
let nats: TestNats;
let p: TestPlatform;
let client: StorageClient;
const uppers: number[] = [];

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  client = new StorageClient(p.transport, region);
  p.transport.subscribe(allFrontiersSubject(region), (m) => {
    for (const f of (decode(m.data) as HostFrontiers).collections) if (f.collection === 'gen' && f.upper.length === 1) uppers.push(f.upper[0]!);
  });
});
afterAll(async () => {
  await p.cleanup();
  await nats.cleanup();
});

async function killStorageHost(): Promise<void> {
  const pid = (await p.hosts()).find((h) => h.hostId === 'storage-0')!.pid;
  signal(pid, 'SIGKILL');
  await eventually(async () => (await p.hosts()).find((h) => h.hostId === 'storage-0' && h.pid !== pid && h.state === 'running'), 'storage host restarted');
}

/** Every offset 1..N exactly once, with diff 1, in the snapshot at upper - 1. */
async function expectEveryOffsetOnce(): Promise<void> {
  const d = await client.describe('gen');
  expect(d.position).toBe(N);
  expect(d.updates).toBe(N);
  expect(d.upstreamRereads).toBe(0);
  const rows = await client.snapshot('gen', d.upper - 1, true);
  expect(rows.every(([, diff]) => diff === 1)).toBe(true);
  const offsets = rows.map(([r]) => r[0] as number).sort((a, b) => a - b);
  expect(offsets.length).toBe(N);
  expect(offsets.every((o, i) => o === i + 1)).toBe(true);
}

test('01-during-ingestion: killed twice while ingesting, every offset stored once, no re-reads', async () => {
  await eventually(
    () => client.createSource('gen', { kind: 'generator', generator: 'counter', tickMs: 5, perTick: 2000, maxOffsets: N, schema: [...GENERATOR_SCHEMAS.counter] }),
    'storage controller up',
  );
  const rnd = new SeededRandom(7);
  for (let round = 0; round < 2; round++) {
    await eventually(async () => (await client.describe('gen')).position > (round + 1) * 20_000, 'ingesting');
    await new Promise((r) => setTimeout(r, rnd.int(100)));
    await killStorageHost();
  }
  await eventually(async () => (await client.describe('gen')).position >= N, `${N} ingested`);
  await expectEveryOffsetOnce();
});

test('02-after-compaction: killed after since passed every batch, same contents, ingestion goes on', async () => {
  const { upper } = await client.describe('gen');
  await eventually(async () => (await client.describe('gen')).since > upper, 'since past every batch');
  // let the merges below since run
  await new Promise((r) => setTimeout(r, 500));
  await killStorageHost();
  const before = (await client.describe('gen')).upper;
  await eventually(async () => (await client.describe('gen')).upper > before, 'ingesting again');
  await expectEveryOffsetOnce();
  // 100 batches of 2,000 merged 8 at a time: a handful of batches, logarithmic in history
  expect((await client.describe('gen')).batches).toBeLessThanOrEqual(16);
  for (let i = 1; i < uppers.length; i++) expect(uppers[i]!).toBeGreaterThanOrEqual(uppers[i - 1]!);
});
