/**
 * Upsert and Debezium JetStream sources (actors/storage/sources/envelope.ts, upsert-state.ts),
 * with real processes: a keyed stream of sets and deletes is ingested while the storage host is
 * killed with SIGKILL; the collection must equal a naive replay of the stream (one row per live
 * key), with zero upstream re-reads (the upsert state is rebuilt from the shard, not the stream).
 * Debezium events (bare and inside `payload`, with tombstones), bad messages, and bad specs.
 */
import { jetstreamManager, jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { signal } from '../../runtime/process-util.js';
import { SeededRandom } from '../../runtime/random.js';
import { StorageClient } from '../../protocol/storage/client.js';
import type { Row } from '../../protocol/types.js';
import { changeOf } from '../../actors/storage/sources/envelope.js';
import { setupNats, eventually, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';

const region = 'upsrt';
const schema = [
  { name: 'id', type: 'int' as const, nullable: false },
  { name: 'body', type: 'text' as const, nullable: true },
];
let nats: TestNats;
let p: TestPlatform;
let client: StorageClient;
let js: JetStreamClient;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  client = new StorageClient(p.transport, region);
  js = jetstream(p.transport.nc);
  const jsm = await jetstreamManager(p.transport.nc);
  await jsm.streams.add({ name: 'KEYED', subjects: ['keyed.>'] });
  await jsm.streams.add({ name: 'CDC', subjects: ['cdc.>'] });
});
afterAll(async () => {
  await p.cleanup();
  await nats.cleanup();
});

async function storageHostPid(): Promise<number> {
  return (await p.hosts()).find((h) => h.hostId === 'storage-0')!.pid;
}

async function contents(id: string, position: number): Promise<Row[]> {
  const d = await eventually(async () => {
    const x = await client.describe(id);
    return x.position >= position ? x : undefined;
  }, `${id} ingested up to ${position}`);
  const rows = await client.snapshot(id, d.upper - 1);
  for (const [, diff] of rows) expect(diff).toBe(1);
  return rows.map(([r]) => r).sort((a, b) => (a[0] as number) - (b[0] as number));
}

test('an upsert source equals a replay of its stream across SIGKILLs of the storage host', async () => {
  await eventually(() => client.createSource('keyed', { kind: 'jetstream', stream: 'KEYED', format: 'json', schema, envelope: 'upsert', key: ['id'], batchSize: 20 }), 'storage controller up');
  const model = new Map<number, string>();
  const rnd = new SeededRandom(7);
  let published = 0;
  const publishSome = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const id = 1 + rnd.int(40);
      published++;
      if (rnd.next() < 0.25) {
        const h = natsHeaders();
        h.set('Dfn-Key', JSON.stringify({ id }));
        await js.publish('keyed.x', new Uint8Array(0), { headers: h });
        model.delete(id);
      } else {
        const body = `v${published}`;
        await js.publish('keyed.x', JSON.stringify({ id, body }));
        model.set(id, body);
      }
    }
  };
  await publishSome(150);
  for (let kill = 0; kill < 2; kill++) {
    const publishing = publishSome(150);
    await new Promise((r) => setTimeout(r, 100 + rnd.int(200)));
    signal(await storageHostPid(), 'SIGKILL');
    await publishing;
  }
  await publishSome(50);
  const rows = await contents('keyed', published);
  expect(rows).toEqual([...model].sort((a, b) => a[0] - b[0]).map(([id, body]) => [id, body]));
  const d = await client.describe('keyed');
  expect(d.upstreamRereads).toBe(0);
  expect(d.badMessages).toBe(0);
});

test('bad upsert messages are counted and change nothing', async () => {
  await client.createSource('keyed2', { kind: 'jetstream', stream: 'KEYED', filterSubject: 'keyed.two', format: 'json', schema, envelope: 'upsert', key: ['id'] });
  await js.publish('keyed.two', JSON.stringify({ id: 1, body: 'a' }));
  await js.publish('keyed.two', new Uint8Array(0)); // a tombstone without its key
  await js.publish('keyed.two', JSON.stringify({ id: null, body: 'x' })); // a NULL key
  const h = natsHeaders();
  h.set('Dfn-Key', '{"id": "one"}');
  await js.publish('keyed.two', new Uint8Array(0), { headers: h }); // a key of the wrong type
  const last = await js.publish('keyed.two', JSON.stringify({ id: 2, body: 'b' }));
  const d = await eventually(async () => {
    const x = await client.describe('keyed2');
    return x.position >= last.seq ? x : undefined;
  }, 'keyed2 caught up');
  expect(d.badMessages).toBe(3);
  expect((await client.snapshot('keyed2', d.upper - 1)).map(([r]) => r).sort()).toEqual([[1, 'a'], [2, 'b']]);
});

test('a Debezium source applies before/after events and ignores tombstones', async () => {
  await client.createSource('cdc', { kind: 'jetstream', stream: 'CDC', format: 'json', schema, envelope: 'debezium', key: ['id'] });
  const send = (v: unknown) => js.publish('cdc.t', v === null ? new Uint8Array(0) : JSON.stringify(v));
  await send({ before: null, after: { id: 1, body: 'a' }, op: 'c' });
  await send({ before: null, after: { id: 2, body: 'b' }, op: 'c' });
  await send({ schema: {}, payload: { before: { id: 1, body: 'a' }, after: { id: 1, body: 'a2' }, op: 'u' } });
  await send({ before: { id: 2, body: 'b' }, after: null, op: 'd' });
  await send(null); // Debezium's tombstone after the delete
  const last = await send({ before: null, after: { id: 3, body: null }, op: 'r' });
  expect(await contents('cdc', last.seq)).toEqual([[1, 'a2'], [3, null]]);
  expect((await client.describe('cdc')).badMessages).toBe(0);
});

test('bad specs are refused', async () => {
  const base = { kind: 'jetstream' as const, stream: 'KEYED', format: 'json' as const, schema };
  await expect(client.createSource('bad1', { ...base, envelope: 'upsert' })).rejects.toMatchObject({ code: 'InvalidRequest' });
  await expect(client.createSource('bad2', { ...base, envelope: 'upsert', key: ['nope'] })).rejects.toMatchObject({ code: 'InvalidRequest' });
  await expect(client.createSource('bad3', { ...base, key: ['id'] })).rejects.toMatchObject({ code: 'InvalidRequest' });
  await expect(client.describe('bad1')).rejects.toMatchObject({ code: 'NoResponders' });
});

test('envelope decoding: upserts, deletes by header, Debezium shapes', () => {
  const spec = { envelope: 'upsert' as const, schema, keyIndexes: [0] };
  expect(changeOf({ id: 5, body: 'x' }, undefined, spec)).toEqual({ kind: 'upsert', key: '[5]', row: [5, 'x'] });
  expect(changeOf(null, '{"id":5}', spec)).toEqual({ kind: 'upsert', key: '[5]', row: null });
  expect(changeOf(null, undefined, spec)).toMatchObject({ kind: 'bad' });
  expect(changeOf([1, 2], undefined, spec)).toMatchObject({ kind: 'bad' });
  const dbz = { ...spec, envelope: 'debezium' as const };
  expect(changeOf({ before: { id: 5, body: 'x' }, after: null, op: 'd' }, undefined, dbz)).toEqual({ kind: 'upsert', key: '[5]', row: null });
  expect(changeOf({ op: 'c' }, undefined, dbz)).toMatchObject({ kind: 'bad' });
  expect(changeOf(null, undefined, dbz)).toEqual({ kind: 'skip' });
});
