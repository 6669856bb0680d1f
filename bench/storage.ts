/**
 * STORAGE benchmarks, each beside its baseline measured in the same run:
 * - append throughput into one collection (client -> NATS -> collection actor -> shard ->
 *   LevelDB), batches of 10,000, 100 and 1 updates, sync on and off, against a raw LevelDB batch
 *   append of the same msgpack bytes with the same sync setting;
 * - subscribe catch-up: updates/s delivered to a subscriber over NATS, against reading the same
 *   batches straight from LevelDB;
 * - source restart: SIGKILL of the storage host process until the source ingests again, with
 *   10,000 and with 10,000,000 updates stored (`DFN_BENCH_BIG=1,000,000` to use fewer), against
 *   the time the orchestrator takes to have a new host process up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { encode } from '../protocol/codec.js';
import { Host } from '../runtime/host.js';
import { Transport } from '../runtime/transport.js';
import { freePort, startNatsServer } from '../runtime/nats-server.js';
import { signal } from '../runtime/process-util.js';
import { collectionKind } from '../actors/storage/collection.js';
import { storageControllerKind } from '../actors/storage/controller.js';
import { StorageClient } from '../protocol/storage/client.js';
import { GENERATOR_SCHEMAS } from '../protocol/storage/source.js';
import type { Update } from '../protocol/types.js';
import { startExamplePlatform, until } from '../examples/support/platform.js';
import { figure, median, type Figure } from './figure.js';

const PLATFORM = { user: 'platform', pass: 'platform-secret' };
const schema = [
  { name: 'id', type: 'int' as const, nullable: false },
  { name: 'name', type: 'text' as const, nullable: false },
  { name: 'amount', type: 'float' as const, nullable: true },
];

function makeUpdates(n: number, t: number, from: number): Update[] {
  return Array.from({ length: n }, (_, i) => [[from + i, `name-${(from + i) % 1000}`, (from + i) * 0.5], t, 1] as Update);
}

/** Keeps up to `inFlight` of the operations `run` starts going at once, in order. */
async function pipelined(inFlight: number, count: number, run: (i: number) => Promise<void>): Promise<void> {
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    pending.push(run(i));
    if (pending.length >= inFlight) await pending.shift();
  }
  await Promise.all(pending);
}

/**
 * Raw LevelDB: the same msgpack bytes, one batch put per append, same sync setting, and as many
 * batches in flight as the append it is the baseline of.
 */
async function rawAppend(dir: string, batch: number, total: number, sync: boolean, inFlight = 1): Promise<number> {
  const db = new Level<string, Uint8Array>(join(dir, `raw-${batch}-${sync}-${inFlight}`), { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  const start = performance.now();
  await pipelined(inFlight, Math.ceil(total / batch), async (n) => {
    const t = n + 1;
    const bytes = encode(makeUpdates(batch, t, n * batch));
    await db.batch([{ type: 'put', key: `b/${String(t).padStart(12, '0')}`, value: bytes }, { type: 'put', key: 'meta', value: encode({ upper: t + 1 }) }], { sync });
  });
  const rate = total / ((performance.now() - start) / 1000);
  await db.close();
  return rate;
}

/**
 * Appends `total` updates in batches of `batch`, one at a time or (`inFlight` > 1) pipelined: a
 * single writer sending each append with the upper the previous one sets, before that one is
 * acknowledged (the collection validates the next batch while the previous one is written).
 */
export async function appendBench(url: string, dir: string, batch: number, total: number, sync: boolean, inFlight = 1): Promise<Figure> {
  const hostDir = join(dir, `host-${batch}-${sync}-${inFlight}`);
  const host = await Host.start({ hostId: 'storage-0', region: 'bench', servers: url, ...PLATFORM, dataDir: hostDir, sync, kinds: [collectionKind, storageControllerKind] });
  await host.startActor({ kind: 'storage-controller', id: 'main', config: { hosts: ['storage-0'] } });
  const t = await Transport.connect({ servers: url, name: 'bench:storage', ...PLATFORM });
  const client = new StorageClient(t, 'bench');
  const id = `c${batch}${sync ? 's' : 'n'}${inFlight}`;
  await client.createSource(id, { kind: 'table', schema });
  const first = (await client.describe(id)).upper;
  const start = performance.now();
  await pipelined(inFlight, Math.ceil(total / batch), async (n) => {
    const upper = first + n;
    const r = await client.compareAndAppend({ collection: id, writer: 'bench', expectedUpper: upper, newUpper: upper + 1, updates: makeUpdates(batch, upper, n * batch) });
    if (!r.ok) throw new Error('append lost');
  });
  const rate = total / ((performance.now() - start) / 1000);
  const stored = (await client.describe(id)).updates;
  if (stored !== total) throw new Error(`appended ${total} updates, the collection holds ${stored}`);
  await t.close();
  await host.shutdown();
  const raw = await rawAppend(dir, batch, total, sync, inFlight);
  const target = batch === 10_000 ? { text: '>= 1M updates/s and >= 40% of raw', check: (v: number, r: number | undefined) => v >= 1_000_000 && (r ?? 0) >= 0.4 } : undefined;
  const name = `append, batches of ${batch}, sync ${sync ? 'on' : 'off'}${inFlight > 1 ? `, ${inFlight} in flight` : ''}`;
  return figure(name, rate, 'updates/s', { name: `raw LevelDB batch of the same bytes${inFlight > 1 ? `, ${inFlight} in flight` : ''}`, value: raw }, target);
}

/**
 * The same appends into a collection on a storage host process of a running platform (as
 * deployed: the writer and the host are separate processes), one at a time.
 */
export async function appendToHostProcessBench(batch: number, total: number, sync: boolean): Promise<Figure> {
  const p = await startExamplePlatform(`bapp${batch}${sync ? 's' : 'n'}`, { DFN_SYNC: String(sync) });
  let rate: number;
  try {
    const client = new StorageClient(p.transport, p.region);
    await until(() => client.createSource('t', { kind: 'table', schema }), 'created', 60_000, 50);
    const first = (await client.describe('t')).upper;
    const start = performance.now();
    await pipelined(1, Math.ceil(total / batch), async (n) => {
      const upper = first + n;
      const r = await client.compareAndAppend({ collection: 't', writer: 'bench', expectedUpper: upper, newUpper: upper + 1, updates: makeUpdates(batch, upper, n * batch) });
      if (!r.ok) throw new Error('append lost');
    });
    rate = total / ((performance.now() - start) / 1000);
    const stored = (await client.describe('t')).updates;
    if (stored !== total) throw new Error(`appended ${total} updates, the collection holds ${stored}`);
  } finally {
    await p.stop();
  }
  const dir = mkdtempSync(join(tmpdir(), 'dfn-bench-raw-'));
  try {
    const raw = await rawAppend(dir, batch, total, sync);
    const target = batch === 10_000 ? { text: '>= 1M updates/s and >= 40% of raw', check: (v: number, r: number | undefined) => v >= 1_000_000 && (r ?? 0) >= 0.4 } : undefined;
    return figure(`append to a storage host process, batches of ${batch}, sync ${sync ? 'on' : 'off'}`, rate, 'updates/s', { name: 'raw LevelDB batch of the same bytes', value: raw }, target);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function subscribeBench(url: string, dir: string): Promise<Figure> {
  const total = 1_000_000;
  const host = await Host.start({ hostId: 'storage-0', region: 'bsub', servers: url, ...PLATFORM, dataDir: join(dir, 'sub'), sync: false, kinds: [collectionKind, storageControllerKind] });
  await host.startActor({ kind: 'storage-controller', id: 'main', config: { hosts: ['storage-0'] } });
  const t = await Transport.connect({ servers: url, name: 'bench:sub', ...PLATFORM });
  const client = new StorageClient(t, 'bsub');
  await client.createSource('s', { kind: 'table', schema });
  const first = (await client.describe('s')).upper;
  let upper = first;
  for (let i = 0; i < total; i += 10_000) {
    await client.compareAndAppend({ collection: 's', writer: 'bench', expectedUpper: upper, newUpper: upper + 1, updates: makeUpdates(10_000, upper, i) });
    upper++;
  }
  const start = performance.now();
  let got = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const sub = await client.subscribe('s', first - 1, {
    updates: (u) => {
      got += u.length;
    },
    progress: (f) => {
      if ((f[0] ?? 0) >= upper) done();
    },
    failed: () => undefined,
  }, { snapshot: false });
  await finished;
  const rate = got / ((performance.now() - start) / 1000);
  sub.cancel();
  // baseline: read the same batches straight from the host's LevelDB after shutdown
  await t.close();
  await host.shutdown();
  const db = new Level<string, Uint8Array>(join(dir, 'sub', 'hosts', 'storage-0'), { keyEncoding: 'utf8', valueEncoding: 'view' });
  let rawRate = Number.NaN;
  try {
    await db.open();
    const { decode } = await import('../protocol/codec.js');
    const s2 = performance.now();
    let n = 0;
    // A batch value is a msgpack binary holding the msgpack bytes of its update array.
    for await (const [k, v] of db.iterator()) {
      if (!k.includes('!b/')) continue;
      const value = decode(v);
      n += (value instanceof Uint8Array ? (decode(value) as unknown[]) : (value as unknown[])).length;
    }
    rawRate = n / ((performance.now() - s2) / 1000);
    await db.close();
  } catch {
    // layout differs: no baseline
  }
  return figure(`subscribe catch-up over NATS (${total.toLocaleString('en-US')} updates)`, rate, 'updates/s', { name: 'decode the same batches from LevelDB', value: rawRate });
}

export async function restartBench(stored: number): Promise<Figure[]> {
  const p = await startExamplePlatform(`brst${stored}`);
  try {
    const client = new StorageClient(p.transport, p.region);
    const perTick = Math.min(50_000, stored);
    await until(() => client.createSource('gen', { kind: 'generator', generator: 'counter', tickMs: 5, perTick, maxOffsets: stored, schema: [...GENERATOR_SCHEMAS.counter] }), 'created', 60_000, 100);
    await until(async () => (await client.describe('gen', 1000)).position >= stored, `${stored} stored`, 600_000, 200);
    const samples: number[] = [];
    const hostSamples: number[] = [];
    for (let i = 0; i < 3; i++) {
      const pid = await p.hostPid('storage-0');
      const upperAtKill = (await client.describe('gen')).upper;
      const t0 = performance.now();
      signal(pid, 'SIGKILL');
      await until(async () => (await p.hostPid('storage-0')) !== pid, 'host back', 120_000, 1);
      hostSamples.push(performance.now() - t0);
      await until(async () => (await client.describe('gen', 100)).upper > upperAtKill, 'ingesting again', 120_000, 1);
      samples.push(performance.now() - t0);
      // Let the host run quietly past the orchestrator's backoff reset (5 s), so every kill is a
      // first crash (restarted at once), not a crash loop (backed off).
      await new Promise((r) => setTimeout(r, 5500));
    }
    return [
      figure(`source restart, SIGKILL to ingesting again, ${stored.toLocaleString('en-US')} updates stored (median of 3)`, median(samples), 'ms', { name: 'new host process registered', value: median(hostSamples) }, {
        text: '< 200 ms',
        check: (v) => v < 200,
      }),
    ];
  } finally {
    await p.stop();
  }
}

export async function benchStorage(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'dfn-bench-storage-'));
  const port = await freePort();
  const server = await startNatsServer({ port, httpPort: await freePort(), wsPort: await freePort(), storeDir: join(dir, 'js') });
  const url = `nats://127.0.0.1:${port}`;
  const figures: Figure[] = [];
  try {
    for (const sync of [true, false]) {
      figures.push(await appendBench(url, dir, 10_000, 1_000_000, sync));
      figures.push(await appendBench(url, dir, 10_000, 1_000_000, sync, 4));
      figures.push(await appendBench(url, dir, 100, 100_000, sync));
      figures.push(await appendBench(url, dir, 1, 5_000, sync));
    }
    figures.push(await subscribeBench(url, dir));
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const sync of [true, false]) figures.push(await appendToHostProcessBench(10_000, 1_000_000, sync));
  figures.push(...(await restartBench(10_000)));
  figures.push(...(await restartBench(Number((process.env['DFN_BENCH_BIG'] ?? '10000000').replace(/,/g, '')))));
  return figures;
}
