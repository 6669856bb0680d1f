/**
 * Collection actors over a real nats-server and LevelDB, in one host: racing writers with
 * compare-and-append, snapshots, subscriptions (snapshot, updates, progress, credit; unconsolidated
 * ones: the stored bytes in messages cut to size, credit, malformed messages), a generator and a
 * JetStream source, read holds, bad input, and drop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager, jetstream } from '@nats-io/jetstream';
import { Host } from '../../runtime/host.js';
import { Transport } from '../../runtime/transport.js';
import { collectionKind } from '../../actors/storage/collection.js';
import { storageControllerKind } from '../../actors/storage/controller.js';
import { StorageClient, type CollectionListener } from '../../protocol/storage/client.js';
import { StorageErrorCode } from '../../protocol/storage/errors.js';
import { collectionSubject } from '../../protocol/storage/subjects.js';
import { decode } from '../../protocol/codec.js';
import { DecodedUpdates } from '../../protocol/storage/encoded-updates.js';
import type { SubscribeEncodedBatch } from '../../protocol/storage/response.js';
import { MAX_ENCODED_BYTES } from '../../actors/storage/subscriptions.js';
import { consolidate } from '../../actors/storage/consolidate.js';
import { GENERATOR_SCHEMAS } from '../../protocol/storage/source.js';
import type { Column, Frontier, Update } from '../../protocol/types.js';
import { setupNats, eventually, PLATFORM_USER, type TestNats } from '../helpers/nats.js';

/** The updates of encoded parts, read at `asOf` and after `after`. */
function decoded(parts: readonly Uint8Array[], asOf: number, after = -1): DecodedUpdates {
  const d = new DecodedUpdates();
  for (const p of parts) d.append(p, asOf, after);
  return d;
}


const REGION = 'coll';
const schema: Column[] = [
  { name: 'k', type: 'int', nullable: false },
  { name: 'v', type: 'text', nullable: true },
];

let nats: TestNats;
let host: Host;
let t: Transport;
let client: StorageClient;
let dir: string;

beforeAll(async () => {
  nats = await setupNats();
  dir = mkdtempSync(join(tmpdir(), 'dfn-coll-'));
  host = await Host.start({ hostId: 'storage-0', region: REGION, servers: nats.url, ...PLATFORM_USER, dataDir: dir, kinds: [collectionKind, storageControllerKind] });
  await host.startActor({ kind: 'storage-controller', id: 'main', config: { hosts: ['storage-0'] } });
  t = await Transport.connect({ servers: nats.url, name: 'test:coll', ...PLATFORM_USER });
  client = new StorageClient(t, REGION);
});
afterAll(async () => {
  await t.close();
  await host.shutdown();
  await nats.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Collects a subscription's updates and progress. */
function recorder() {
  const updates: Update[] = [];
  const progress: number[] = [];
  const errors: Error[] = [];
  const listener: CollectionListener = {
    updates: (u) => updates.push(...u),
    progress: (f: Frontier) => progress.push(f[0] ?? Infinity),
    failed: (e) => errors.push(e),
  };
  return { updates, progress, errors, listener };
}

test('two writers racing with compare-and-append: exactly one wins each round', async () => {
  await client.createSource('race', { kind: 'table', schema });
  const { upper: start } = await client.describe('race');
  let upper = start;
  const winners: string[] = [];
  for (let round = 0; round < 20; round++) {
    const next = upper + 10;
    // two renditions of the same output race for the same time range
    const attempt = (w: string) => client.compareAndAppend({ collection: 'race', writer: w, expectedUpper: upper, newUpper: next, updates: [[[round, w], upper, 1]] });
    const [a, b] = await Promise.all([attempt('A'), attempt('B')]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    const loser = a.ok ? b : a;
    expect(loser).toEqual({ ok: false, currentUpper: next });
    winners.push(a.ok ? 'A' : 'B');
    upper = next;
  }
  const rows = await client.snapshot('race', upper - 1);
  expect(rows).toHaveLength(20);
  expect(rows.map(([r]) => r[1]).sort()).toEqual([...winners].sort());
});

test('subscribe: snapshot, then updates in time order with progress; credit is honoured', async () => {
  await client.createSource('sub', { kind: 'table', schema });
  let { upper } = await client.describe('sub');
  const append = async (updates: Update[], width = 5) => {
    const r = await client.compareAndAppend({ collection: 'sub', writer: 'w', expectedUpper: upper, newUpper: upper + width, updates });
    if (!r.ok) throw new Error('lost');
    upper += width;
  };
  await append([[[1, 'a'], upper, 1], [[2, 'b'], upper + 1, 1]]);
  const asOf = upper - 1;
  const rec = recorder();
  const sub = await client.subscribe('sub', asOf, rec.listener);
  await eventually(() => rec.progress.includes(asOf + 1), 'snapshot progress');
  expect(rec.updates.map(([r, time, d]) => [r, time, d])).toEqual([
    [[1, 'a'], asOf, 1],
    [[2, 'b'], asOf, 1],
  ]);
  for (let i = 0; i < 200; i++) {
    const batch: Update[] = [[[100 + i, null], upper + 2, 1]];
    if (i === 0) batch.push([[1, 'a'], upper + 1, -1]);
    await append(batch);
  }
  await eventually(() => rec.progress[rec.progress.length - 1] === upper, 'progress to the upper');
  const times = rec.updates.map((u) => u[1]);
  expect([...times].sort((a, b) => a - b)).toEqual(times);
  const contents = new Map<string, number>();
  for (const [r, , d] of rec.updates) contents.set(JSON.stringify(r), (contents.get(JSON.stringify(r)) ?? 0) + d);
  const snap = await client.snapshot('sub', upper - 1);
  expect(new Map([...contents].filter(([, d]) => d !== 0))).toEqual(new Map(snap.map(([r, d]) => [JSON.stringify(r), d])));
  // progress never goes backwards
  expect([...rec.progress].sort((a, b) => a - b)).toEqual(rec.progress);
  sub.cancel();
});

test('subscribe consolidated: stored bytes go as they are when consolidated, else consolidated by value (equal values in other msgpack forms included); the same for a snapshot', async () => {
  await client.createSource('canon', { kind: 'table', schema });
  let { upper } = await client.describe('canon');
  const rec = recorder();
  const sub = await client.subscribe('canon', upper - 1, rec.listener);
  await eventually(() => rec.progress.includes(upper), 'snapshot progress');
  const start = upper;
  // 1: already consolidated; 2: the same row twice at one time; 3: 7 as a fixint and as a uint8
  // (another writer's msgpack), at one time, in bytes sent as they are.
  let r = await client.compareAndAppend({ collection: 'canon', writer: 'w', expectedUpper: upper, newUpper: upper + 1, updates: [[[1, 'a'], upper, 1], [[2, 'b'], upper, 1]] });
  if (!r.ok) throw new Error('lost');
  upper++;
  r = await client.compareAndAppend({ collection: 'canon', writer: 'w', expectedUpper: upper, newUpper: upper + 1, updates: [[[3, 'c'], upper, 1], [[3, 'c'], upper, 1], [[1, 'a'], upper, -1]] });
  if (!r.ok) throw new Error('lost');
  upper++;
  const time = [0xcb, ...new Uint8Array(new Float64Array([upper]).buffer).reverse()];
  const encodedUpdates = new Uint8Array([0x92, 0x93, 0x92, 0x07, 0xc0, ...time, 0x01, 0x93, 0x92, 0xcc, 0x07, 0xc0, ...time, 0x01]);
  await t.request(collectionSubject(REGION, 'canon'), { type: 'Append', writer: 'w', token: 'raw-1', expectedUpper: upper, newUpper: upper + 1, encodedUpdates });
  upper++;
  await eventually(() => rec.progress[rec.progress.length - 1] === upper, 'progress to the upper');
  expect(rec.errors).toEqual([]);
  expect(rec.updates).toEqual([
    [[1, 'a'], start, 1],
    [[2, 'b'], start, 1],
    [[3, 'c'], start + 1, 2],
    [[1, 'a'], start + 1, -1],
    [[7, null], start + 2, 2],
  ]);
  sub.cancel();
  // A snapshot over the same appends: rows occur twice, so it is accumulated by value.
  const snap = recorder();
  const sub2 = await client.subscribe('canon', upper - 1, snap.listener);
  await eventually(() => snap.progress.includes(upper), 'snapshot progress');
  expect(snap.updates.map(([row, , d]) => [row, d])).toEqual([
    [[2, 'b'], 1],
    [[3, 'c'], 2],
    [[7, null], 2],
  ]);
  sub2.cancel();
});

test('subscribe with wide rows: a snapshot larger than one message arrives whole, in order, with progress', async () => {
  await client.createSource('wide', { kind: 'table', schema });
  let { upper } = await client.describe('wide');
  const pad = 'w'.repeat(1000);
  // Three appends of 1,500 rows of 1 KB: the snapshot is ~4.5 MB, over the 4 MiB message limit.
  for (let b = 0; b < 3; b++) {
    const updates: Update[] = Array.from({ length: 1500 }, (_, i): Update => [[b * 1500 + i, pad], upper, 1]);
    const r = await client.compareAndAppend({ collection: 'wide', writer: 'w', expectedUpper: upper, newUpper: upper + 1, updates });
    if (!r.ok) throw new Error('lost');
    upper++;
  }
  await expect(client.snapshot('wide', upper - 1)).rejects.toMatchObject({ code: 'PayloadTooLarge' });
  const rec = recorder();
  const sub = await client.subscribe('wide', upper - 1, rec.listener);
  await eventually(() => rec.progress.includes(upper), 'the snapshot delivered');
  expect(rec.errors).toEqual([]);
  expect(rec.updates.map(([r]) => r[0]).sort((x, y) => (x as number) - (y as number))).toEqual(Array.from({ length: 4500 }, (_, i) => i));
  expect([...rec.progress].sort((a, b) => a - b)).toEqual(rec.progress);
  sub.cancel();
  // The client's snapshotAll streams what one Snapshot reply cannot carry.
  const all = await client.snapshotAll('wide', upper - 1);
  expect(all.length).toBe(4500);
  expect(all.every(([row, d]) => row[1] === pad && d === 1)).toBe(true);
});

test('subscribe consolidated: a snapshot of several messages waits for credit between them', async () => {
  await client.createSource('credit', { kind: 'table', schema });
  let { upper } = await client.describe('credit');
  for (let b = 0; b < 3; b++) {
    const updates: Update[] = Array.from({ length: 20_000 }, (_, i): Update => [[b * 20_000 + i, 'c'], upper, 1]);
    const r = await client.compareAndAppend({ collection: 'credit', writer: 'w', expectedUpper: upper, newUpper: upper + 1, updates });
    if (!r.ok) throw new Error('lost');
    upper++;
  }
  const asOf = upper - 1;
  const inbox = '_INBOX.credittest';
  const got: Array<{ seq: number; updates: Update[]; upper: number[] }> = [];
  const inboxSub = t.subscribe(inbox, (m) => got.push(decode(m.data) as { seq: number; updates: Update[]; upper: number[] }));
  await t.request(collectionSubject(REGION, 'credit'), { type: 'Subscribe', subscribeId: 'cr1', inbox, asOf, snapshot: true, credit: 1 });
  await eventually(() => got.length >= 1, 'the first message');
  await new Promise((r) => setTimeout(r, 300));
  // 60,000 rows are three messages of 20,000: credit 1 lets exactly one out.
  expect(got).toHaveLength(1);
  expect(got[0]!.updates).toHaveLength(20_000);
  await t.request(collectionSubject(REGION, 'credit'), { type: 'Credit', subscribeId: 'cr1', credit: 1 });
  await eventually(() => got.length >= 2, 'the second message');
  await new Promise((r) => setTimeout(r, 300));
  expect(got).toHaveLength(2);
  await t.request(collectionSubject(REGION, 'credit'), { type: 'Credit', subscribeId: 'cr1', credit: 10 });
  await eventually(() => got.some((m) => m.upper[0] === asOf + 1), 'the snapshot complete');
  expect(got.map((m) => m.seq)).toEqual([1, 2, 3]);
  expect(got.flatMap((m) => m.updates.map((u) => u[0][0] as number)).sort((x, y) => x - y)).toEqual(Array.from({ length: 60_000 }, (_, i) => i));
  expect(got.map((m) => m.upper[0])).toEqual([asOf, asOf, asOf + 1]);
  inboxSub.unsubscribe();
});

test('subscribe unconsolidated: the stored bytes in messages cut to size, with credit; equal to the consolidated stream once consolidated', async () => {
  await client.createSource('raw', { kind: 'table', schema });
  let { upper } = await client.describe('raw');
  const append = async (updates: Update[], width: number) => {
    const r = await client.compareAndAppend({ collection: 'raw', writer: 'w', expectedUpper: upper, newUpper: upper + width, updates });
    if (!r.ok) throw new Error('lost');
    upper += width;
  };
  // Three batches of 20,000 updates (~0.9 MB each, so messages must be cut), the last one
  // straddling asOf; a row appended twice at one time stays two updates.
  for (let b = 0; b < 3; b++) {
    await append(Array.from({ length: 20_000 }, (_, i): Update => [[b * 20_000 + i, `value-${'x'.repeat(30)}-${i}`], upper + (i % 4), 1]), 4);
  }
  await append([[[-1, 'twice'], upper, 1], [[-1, 'twice'], upper, 1]], 1);
  const asOf = upper - 3; // inside the last big batch's times
  const lastBigUpper = upper - 1;
  const snapshot = new Map((await client.snapshot('raw', asOf)).map(([r, d]) => [JSON.stringify(r), d]));

  // On the wire: credit 2 lets exactly two messages out; each within the size bound.
  const inbox = `_INBOX.rawtest`;
  const got: SubscribeEncodedBatch[] = [];
  const inboxSub = t.subscribe(inbox, (m) => got.push(decode(m.data) as SubscribeEncodedBatch));
  await t.request(collectionSubject(REGION, 'raw'), { type: 'Subscribe', subscribeId: 'raw1', inbox, asOf, snapshot: true, credit: 2, consolidated: false });
  await eventually(() => got.length >= 2, 'two messages');
  await new Promise((r) => setTimeout(r, 200));
  expect(got).toHaveLength(2);
  await t.request(collectionSubject(REGION, 'raw'), { type: 'Credit', subscribeId: 'raw1', credit: 100 });
  await eventually(() => got.some((m) => m.upper[0]! > asOf), 'the snapshot complete');
  expect(got.map((m) => m.seq)).toEqual(got.map((_, i) => i + 1));
  expect(got.every((m) => m.type === 'SubscribeEncodedBatch' && m.asOf === asOf && m.encodedUpdates.length <= MAX_ENCODED_BYTES)).toBe(true);
  const end = got.findIndex((m) => m.upper[0]! > asOf);
  const snapMessages = got.slice(0, end + 1);
  expect(snapMessages.slice(0, -1).every((m) => m.upper[0] === asOf)).toBe(true);
  expect(snapMessages[end]!.upper).toEqual([asOf + 1]);
  expect(snapMessages.length).toBeGreaterThanOrEqual(4);
  const snapUpdates = decoded(snapMessages.map((m) => m.encodedUpdates), asOf).toArray();
  expect(snapUpdates.every((u) => u[1] === asOf)).toBe(true);
  expect(new Map(consolidate(snapUpdates).map(([r, , d]) => [JSON.stringify(r), d]))).toEqual(snapshot);
  // Then the rest of the straddling batch and the duplicated row, at their own times.
  await eventually(() => got[got.length - 1]!.upper[0] === upper, 'progress to the upper');
  const after = got.slice(end + 1).flatMap((m) => decoded([m.encodedUpdates], asOf).toArray());
  expect(after.every((u) => u[1] > asOf)).toBe(true);
  expect(after.filter((u) => u[0][0] === -1)).toEqual([
    [[-1, 'twice'], lastBigUpper, 1],
    [[-1, 'twice'], lastBigUpper, 1],
  ]);
  expect(snapUpdates.length + after.length).toBe(60_002);
  inboxSub.unsubscribe();
  await t.request(collectionSubject(REGION, 'raw'), { type: 'CancelSubscribe', subscribeId: 'raw1' });

  // Through the client: a listener without encodedUpdates gets them decoded; then live updates.
  const rec = recorder();
  const sub = await client.subscribe('raw', asOf, rec.listener, { consolidated: false });
  await eventually(() => rec.progress.includes(asOf + 1), 'snapshot progress');
  await append([[[7, 'live'], upper, 1]], 1);
  await eventually(() => rec.progress[rec.progress.length - 1] === upper, 'live progress');
  const contents = new Map<string, number>();
  for (const [r, , d] of rec.updates) contents.set(JSON.stringify(r), (contents.get(JSON.stringify(r)) ?? 0) + d);
  expect(contents).toEqual(new Map((await client.snapshot('raw', upper - 1)).map(([r, d]) => [JSON.stringify(r), d])));
  sub.cancel();
});

test('a malformed unconsolidated message fails the subscription with MalformedMessage, the process keeps running', async () => {
  await client.createSource('mal', { kind: 'table', schema });
  const { upper } = await client.describe('mal');
  await client.compareAndAppend({ collection: 'mal', writer: 'w', expectedUpper: upper, newUpper: upper + 1, updates: [[[1, 'a'], upper, 1]] });
  // Learn the subscription's inbox by listening to the collection's subject beside it.
  const seen: Array<{ inbox: string; subscribeId: string }> = [];
  const spy = t.subscribe(collectionSubject(REGION, 'mal'), (m) => {
    const cmd = decode(m.data) as { type: string; inbox: string; subscribeId: string };
    if (cmd.type === 'Subscribe') seen.push(cmd);
  });
  const updates: Update[] = [];
  const errors: Error[] = [];
  const sub = await client.subscribe('mal', upper, { updates: (u) => updates.push(...u), unconsolidated: (e) => void updates.push(...e.toArray()), progress: () => undefined, failed: (e) => errors.push(e) }, { consolidated: false });
  await eventually(() => updates.length === 1, 'the snapshot');
  const { inbox, subscribeId } = seen[0]!;
  // A message that passes the envelope check but whose bytes are cut short.
  t.publish(inbox, { type: 'SubscribeEncodedBatch', subscribeId, seq: 2, encodedUpdates: new Uint8Array([0x91, 0x93, 0x92, 0x01]), asOf: upper, upper: [upper + 5] });
  await eventually(() => errors.length > 0, 'the subscription failed');
  expect(errors[0]).toMatchObject({ code: 'MalformedMessage' });
  expect(updates).toEqual([[[1, 'a'], upper, 1]]);
  spy.unsubscribe();
  sub.cancel();
  expect((await client.describe('mal')).updates).toBe(1);
});

test('a generator source ingests deterministic rows keyed by offset', async () => {
  await client.createSource('gen', { kind: 'generator', generator: 'counter', tickMs: 10, perTick: 3, schema: [...GENERATOR_SCHEMAS.counter] });
  const info = await eventually(async () => {
    const d = await client.describe('gen');
    return d.position >= 30 ? d : undefined;
  }, 'generator offset 30');
  const rows = await client.snapshot('gen', info.upper - 1);
  const values = rows.map(([r]) => r[0] as number).sort((a, b) => a - b);
  expect(values).toEqual(Array.from({ length: values.length }, (_, i) => i + 1));
  expect(values.length).toBeGreaterThanOrEqual(info.position - 3);
});

test('a JetStream source maps JSON to columns and counts bad messages', async () => {
  const jsm = await jetstreamManager(t.nc);
  await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
  const js = jetstream(t.nc);
  await client.createSource('orders', { kind: 'jetstream', stream: 'ORDERS', format: 'json', schema });
  for (let i = 1; i <= 50; i++) await js.publish('orders.new', JSON.stringify({ k: i, v: `o${i}` }));
  await js.publish('orders.new', 'not json');
  await js.publish('orders.new', JSON.stringify({ k: 'wrong', v: 'x' }));
  const d = await eventually(async () => {
    const x = await client.describe('orders');
    return x.position >= 52 ? x : undefined;
  }, 'ingested 52 messages');
  expect(d.badMessages).toBe(2);
  expect(d.upstreamRereads).toBe(0);
  const rows = await client.snapshot('orders', d.upper - 1, true);
  expect(rows.every(([, d]) => d === 1)).toBe(true);
  const keys = rows.map(([r]) => r[0] as number).sort((a, b) => a - b);
  expect(keys).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
});

test('bad input: typed errors and nothing written', async () => {
  await client.createSource('bad', { kind: 'table', schema });
  const before = await client.describe('bad');
  const subj = collectionSubject(REGION, 'bad');
  const expectCode = async (msg: Record<string, unknown>, code: string) => {
    await expect(t.request(subj, msg as { type: string })).rejects.toMatchObject({ code });
  };
  await expectCode({ type: 'Append', writer: 'w', token: 't', expectedUpper: before.upper, newUpper: before.upper + 5, updates: [[['x', 'y'], before.upper, 1]] }, StorageErrorCode.InvalidBatch);
  await expectCode({ type: 'Append', writer: 'w', token: 't', expectedUpper: before.upper, newUpper: before.upper + 5, updates: [[[1, 'y'], before.upper - 1, 1]] }, StorageErrorCode.InvalidBatch);
  await expectCode({ type: 'Append', writer: 'w', token: 't', expectedUpper: before.upper, updates: [] }, 'SchemaViolation');
  await expectCode({ type: 'Snapshot', asOf: before.upper + 1000 }, StorageErrorCode.NotReady);
  await expect(client.describe('no-such-collection')).rejects.toMatchObject({ code: 'NoResponders' });
  await expect(client.dropSource('no-such-collection')).rejects.toMatchObject({ code: StorageErrorCode.UnknownCollection });
  await expect(client.createSource('bad', { kind: 'table', schema: [schema[0]!] })).rejects.toMatchObject({ code: 'InvalidRequest' });
  const after = await client.describe('bad');
  expect(after.updates).toBe(0);
  expect(after.upper).toBe(before.upper);
});

test('read holds keep since back; releasing them lets since follow upper', async () => {
  await client.createSource('held', { kind: 'table', schema });
  const { upper } = await client.describe('held');
  await client.allowCompaction('held', 'test-holder', [upper]);
  let u = upper;
  for (let i = 0; i < 3; i++) {
    const r = await client.compareAndAppend({ collection: 'held', writer: 'w', expectedUpper: u, newUpper: u + 2000, updates: [] });
    expect(r.ok).toBe(true);
    u += 2000;
  }
  await new Promise((r) => setTimeout(r, 1200));
  expect((await client.describe('held')).since).toBeLessThanOrEqual(upper);
  await client.allowCompaction('held', 'test-holder', []);
  const { since } = await eventually(async () => {
    const d = await client.describe('held');
    return d.since > upper ? d : undefined;
  }, 'since advancing after release');
  // reads below since are refused
  await expect(client.snapshot('held', since - 1)).rejects.toMatchObject({ code: StorageErrorCode.SinceViolation });
  await expect(client.subscribe('held', since - 1, recorder().listener)).rejects.toMatchObject({ code: StorageErrorCode.SinceViolation });
});

test('an open subscription holds since at what it has delivered, so it can resume there', async () => {
  await client.createSource('lag', { kind: 'table', schema });
  let { upper } = await client.describe('lag');
  const asOf = upper - 1;
  const got: Array<{ upper: number[] }> = [];
  const inbox = '_INBOX.lagtest';
  const inboxSub = t.subscribe(inbox, (m) => got.push(decode(m.data) as { upper: number[] }));
  // Credit for one message: the subscriber stalls after its first read.
  await t.request(collectionSubject(REGION, 'lag'), { type: 'Subscribe', subscribeId: 'lag1', inbox, asOf, snapshot: false, credit: 1 });
  await client.compareAndAppend({ collection: 'lag', writer: 'w', expectedUpper: upper, newUpper: upper + 1, updates: [[[1, 'a'], upper, 1]] });
  upper += 1;
  await eventually(() => got.length === 1, 'one message');
  const through = got[0]!.upper[0]! - 1;
  for (let i = 0; i < 3; i++) {
    await client.compareAndAppend({ collection: 'lag', writer: 'w', expectedUpper: upper, newUpper: upper + 2000, updates: [] });
    upper += 2000;
  }
  await new Promise((r) => setTimeout(r, 1200)); // the read policy runs once a second
  expect((await client.describe('lag')).since).toBe(through);
  inboxSub.unsubscribe();
  await t.request(collectionSubject(REGION, 'lag'), { type: 'CancelSubscribe', subscribeId: 'lag1' });
});

test('drop ends subscriptions and forgets the collection', async () => {
  await client.createSource('gone', { kind: 'table', schema });
  const { upper } = await client.describe('gone');
  await client.compareAndAppend({ collection: 'gone', writer: 'w', expectedUpper: upper, newUpper: upper + 1, updates: [[[1, null], upper, 1]] });
  const rec = recorder();
  await client.subscribe('gone', upper, rec.listener);
  await client.dropSource('gone');
  await eventually(() => rec.errors.length > 0, 'the subscriber told of the drop');
  expect((await client.list()).map((c) => c.id)).not.toContain('gone');
});
