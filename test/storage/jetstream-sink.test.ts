/**
 * JetStream sinks (actors/storage/sinks/), with real processes: a table collection's changes
 * published to a stream exactly once while the storage host is SIGKILLed mid-publish. The
 * stream must hold every (time, index) of every time exactly once, in order, and replaying it
 * (upsert: the last value per key, tombstones delete; Debezium: before/after) must give the
 * collection's contents. Bad specs are refused; a subject holding foreign messages stalls the sink.
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { signal } from '../../runtime/process-util.js';
import { decode } from '../../protocol/codec.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { SINK_HEADERS, type JetStreamSink } from '../../protocol/storage/sink.js';
import type { Row, Update } from '../../protocol/types.js';
import { messagesAt } from '../../actors/storage/sinks/sink-messages.js';
import { setupNats, eventually, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';

const region = 'jsink';
const schema = [
  { name: 'k', type: 'int' as const, nullable: false },
  { name: 'v', type: 'text' as const, nullable: true },
];
let nats: TestNats;
let p: TestPlatform;
let client: StorageClient;
let jsm: JetStreamManager;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  client = new StorageClient(p.transport, region);
  jsm = await jetstreamManager(p.transport.nc);
  await eventually(() => client.createSource('t', { kind: 'table', schema }), 'storage controller up');
});
afterAll(async () => {
  await p.cleanup();
  await nats.cleanup();
});

/** Appends `updates` (at one new time) to table `t`; returns that time. */
async function append(updates: Array<[Row, number]>): Promise<number> {
  for (;;) {
    const { upper } = await client.describe('t');
    const r = await client.compareAndAppend({ collection: 't', writer: 'test', expectedUpper: upper, newUpper: upper + 1, updates: updates.map(([row, d]) => [row, upper, d] as Update) });
    if (r.ok) return upper;
  }
}

interface Published {
  seq: number;
  time: number;
  index: number;
  count: number;
  key: string | undefined;
  data: Uint8Array;
}

/** Every message of `subject` in `stream`, in stream order. */
async function readAll(stream: string, subject: string): Promise<Published[]> {
  const info = await jsm.streams.info(stream);
  const out: Published[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (!m || m.subject !== subject) continue;
    out.push({
      seq, data: m.data, key: m.header?.get(SINK_HEADERS.key) || undefined,
      time: Number(m.header?.get(SINK_HEADERS.time)), index: Number(m.header?.get(SINK_HEADERS.index)), count: Number(m.header?.get(SINK_HEADERS.count)),
    });
  }
  return out;
}

/** Each time's messages are exactly indexes 0..count-1, once each, in order, times increasing. */
function expectExactlyOnce(msgs: Published[]): void {
  let i = 0;
  let lastTime = -1;
  while (i < msgs.length) {
    const t = msgs[i]!.time;
    expect(t).toBeGreaterThan(lastTime);
    const n = msgs[i]!.count;
    for (let j = 0; j < n; j++) expect([msgs[i + j]?.time, msgs[i + j]?.index, msgs[i + j]?.count]).toEqual([t, j, n]);
    i += n;
    lastTime = t;
  }
}

async function sinkCaughtUp(id: string, time: number): Promise<void> {
  await eventually(async () => (await client.describeSink(id)).upper > time, `sink ${id} past ${time}`);
}

function spec(over: Partial<JetStreamSink>): JetStreamSink {
  return { kind: 'jetstream', from: 't', schema, stream: 'OUT', subject: 'out.t', format: 'json', envelope: 'upsert', key: ['k'], asOf: 0, ...over };
}

test('an upsert sink publishes each change once across SIGKILLs of the storage host; its replay equals the table', async () => {
  const contents = new Map<number, string>();
  const set = async (n: number, tag: string) => {
    const ups: Array<[Row, number]> = [];
    for (let k = 0; k < n; k++) {
      const old = contents.get(k);
      if (old !== undefined) ups.push([[k, old], -1]);
      if ((k + tag.length) % 7 !== 0) {
        ups.push([[k, `${tag}${k}`], 1]);
        contents.set(k, `${tag}${k}`);
      } else contents.delete(k);
    }
    return append(ups);
  };
  const first = await set(300, 'a');
  const { upper } = await client.describe('t');
  await client.createSink('s1', spec({ asOf: upper - 1 }));
  await sinkCaughtUp('s1', first);
  const before = (await client.describeSink('s1')).published;
  const big = await set(6000, 'bb'); // 6,000 messages at one time: killed while it publishes them (a window flies about 10k/s)
  await eventually(async () => (await client.describeSink('s1')).published > before + 300, 'the sink publishing time big');
  signal((await p.hosts()).find((h) => h.hostId === 'storage-0')!.pid, 'SIGKILL');
  await eventually(() => client.describe('t'), 'storage host back');
  const last = await set(1500, 'ccc');
  await sinkCaughtUp('s1', Math.max(big, last));
  const msgs = await readAll('OUT', 'out.t');
  expectExactlyOnce(msgs);
  const replay = new Map<string, string>();
  for (const m of msgs) {
    if (m.data.length === 0) replay.delete(m.key!);
    else replay.set(m.key!, (JSON.parse(new TextDecoder().decode(m.data)) as { v: string }).v);
  }
  const byKey = (m: Map<number, string>) => [...m].sort((a, b) => a[0] - b[0]);
  const got = byKey(new Map([...replay].map(([k, v]) => [(JSON.parse(k) as { k: number }).k, v])));
  const want = byKey(contents);
  expect(got.filter((e, i) => JSON.stringify(e) !== JSON.stringify(want[i])).slice(0, 5)).toEqual([]);
  expect(got).toEqual(want);
  const d = await client.describeSink('s1');
  expect(d.status).toBe('running');
  expect(d.skippedOnResume).toBeGreaterThan(300); // it resumed inside time big, after what it had published
});

test('a Debezium sink without a key: one before/after event per copy', async () => {
  const { upper } = await client.describe('t');
  await client.createSink('s2', spec({ stream: 'OUT2', subject: 'out2.t', envelope: 'debezium', key: undefined, format: 'msgpack', asOf: upper - 1 }));
  const t1 = await append([[[100000, 'x'], 2]]);
  const t2 = await append([[[100000, 'x'], -1], [[100001, 'y'], 1]]);
  await sinkCaughtUp('s2', t2);
  const msgs = (await readAll('OUT2', 'out2.t')).filter((m) => m.time >= t1);
  expectExactlyOnce(msgs);
  expect(msgs.map((m) => [m.time, decode(m.data)])).toEqual([
    [t1, { before: null, after: { k: 100000, v: 'x' } }],
    [t1, { before: null, after: { k: 100000, v: 'x' } }],
    [t2, { before: { k: 100000, v: 'x' }, after: null }],
    [t2, { before: null, after: { k: 100001, v: 'y' } }],
  ]);
});

test('a sink whose collection moved on without changes resumes after the storage host restarts', async () => {
  // The sink's read hold follows the times it published, which include times that needed no
  // message: since passes its last message's time. Its restart must go on after since (its
  // stream's last message would be refused: SinceViolation, and a restart loop).
  await client.createSource('ti', { kind: 'table', schema });
  const upperOf = async () => (await client.describe('ti')).upper;
  const appendTi = async (updates: Array<[Row, number]>) => {
    const u = await upperOf();
    await client.compareAndAppend({ collection: 'ti', writer: 'test', expectedUpper: u, newUpper: u + 1, updates: updates.map(([row, d]) => [row, u, d] as Update) });
    return u;
  };
  const t0 = await appendTi([[[1, 'one'], 1]]);
  await client.createSink('s4', spec({ from: 'ti', stream: 'OUT4', subject: 'out4.ti', asOf: t0 }));
  await eventually(async () => (await client.describeSink('s4')).published === 1, 'the sink published its snapshot');
  // Only the upper moves, as a table's does on ticks: no messages, the hold follows.
  await eventually(async () => {
    const u = await upperOf();
    await client.compareAndAppend({ collection: 'ti', writer: 'test', expectedUpper: u, newUpper: Math.max(u + 1, Date.now()), updates: [] });
    return (await client.describe('ti')).since > t0;
  }, 'since past the last message');
  signal((await p.hosts()).find((h) => h.hostId === 'storage-0')!.pid, 'SIGKILL');
  await eventually(() => client.describe('ti'), 'storage host back');
  const t1 = await appendTi([[[2, 'two'], 1]]);
  await eventually(async () => (await client.describeSink('s4')).upper > t1, 'the sink past its next change');
  const msgs = await readAll('OUT4', 'out4.ti');
  expectExactlyOnce(msgs);
  expect(msgs.map((m) => m.key)).toEqual([JSON.stringify({ k: 1 }), JSON.stringify({ k: 2 })]);
  expect((await client.describeSink('s4')).status).toBe('running');
});

test('a subject with messages the sink did not write stalls it with the reason', async () => {
  await jsm.streams.add({ name: 'FOREIGN', subjects: ['foreign.t'] });
  await p.transport.nc.request('foreign.t', new TextEncoder().encode('{}'));
  const { upper } = await client.describe('t');
  await client.createSink('s3', spec({ stream: 'FOREIGN', subject: 'foreign.t', asOf: upper - 1 }));
  const d = await eventually(async () => {
    const x = await client.describeSink('s3');
    return x.status === 'stalled' ? x : undefined;
  }, 'stalled');
  expect(d.reason).toMatch(/did not write/);
  await client.dropSink('s3');
  await expect(client.describeSink('s3')).rejects.toMatchObject({ code: 'NoResponders' });
});

test('bad sink specs are refused', async () => {
  await expect(client.createSink('b1', spec({ key: undefined }))).rejects.toMatchObject({ code: 'InvalidRequest' });
  await expect(client.createSink('b2', spec({ key: ['nope'] }))).rejects.toMatchObject({ code: 'InvalidRequest' });
  await expect(client.createSink('b3', spec({ subject: 'dfn.jsink.storage.collection.t' }))).rejects.toMatchObject({ code: 'InvalidRequest' });
  await expect(client.createSink('b4', spec({ from: 'nope' }))).rejects.toMatchObject({ code: 'UnknownCollection' });
  await expect(client.createSink('b5', spec({ subject: 'out.>' }))).rejects.toMatchObject({ code: 'SchemaViolation' });
});

test('messages of one time are a pure function of its consolidated updates', () => {
  const f = { envelope: 'upsert' as const, format: 'json' as const, schema, keyIndexes: [0] };
  const a = messagesAt([[[2, 'b'], 5, 1], [[1, 'a'], 5, 1], [[1, 'old'], 5, -1], [[3, 'z'], 5, 1], [[3, 'z'], 5, -1]], f);
  const b = messagesAt([[[1, 'old'], 5, -1], [[1, 'a'], 5, 1], [[2, 'b'], 5, 1]], f);
  expect(a).toEqual(b);
  expect(a.map((m) => m.key)).toEqual(['{"k":1}', '{"k":2}']);
  expect(() => messagesAt([[[1, 'a'], 5, 1], [[1, 'b'], 5, 1]], f)).toThrow(/not unique/);
  expect(messagesAt([[[1, 'a'], 5, -1]], f)).toEqual([{ key: '{"k":1}', data: new Uint8Array(0) }]);
});
