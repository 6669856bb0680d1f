/**
 * STORAGE benchmarks, each beside its baseline measured in the same run:
 * - append throughput into one collection (client -> NATS -> collection actor -> shard ->
 *   LevelDB), batches of 10,000, 100 and 1 updates, sync on and off, against a raw LevelDB batch
 *   append of the same msgpack bytes with the same sync setting, in alternating rounds (raw
 *   LevelDB alone varied 2x between runs here, so each figure is the median of rounds taken
 *   turn about with its baseline);
 * - subscribe catch-up: updates/s delivered to a subscriber over NATS, against reading the same
 *   batches straight from LevelDB;
 * - source restart: SIGKILL of the storage host process until the source ingests again, with
 *   10,000 and with 10,000,000 updates stored (`DFN_BENCH_BIG=1,000,000` to use fewer), against
 *   the time the orchestrator takes to have a new host process up;
 * - the longest event-loop stall while compacting merges run (bench/merge-stall.ts);
 * - the floor of an append done this way, with no definite code (bench/bare-appender.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
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
import { mergeStallBench } from './merge-stall.js';

const PLATFORM = { user: 'platform', pass: 'platform-secret' };
const here = dirname(fileURLToPath(import.meta.url));
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

/** Alternating rounds of an append figure and its raw baseline; each figure is the median. */
const ROUNDS = 5;

/**
 * Raw LevelDB: the same msgpack bytes, one batch put per append, same sync setting, and as many
 * batches in flight as the append it is the baseline of. Kept open across rounds.
 */
class RawAppender {
  private appended = 0;
  private constructor(private readonly db: Level<string, Uint8Array>) {}

  static async open(path: string): Promise<RawAppender> {
    const db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await db.open();
    return new RawAppender(db);
  }

  /** Appends `count` batches of `batch` updates; returns updates/s. */
  async run(batch: number, count: number, sync: boolean, inFlight: number): Promise<number> {
    const from = this.appended;
    this.appended += count;
    const start = performance.now();
    await pipelined(inFlight, count, async (i) => {
      const t = from + i + 1;
      const bytes = encode(makeUpdates(batch, t, (from + i) * batch));
      await this.db.batch([{ type: 'put', key: `b/${String(t).padStart(12, '0')}`, value: bytes }, { type: 'put', key: 'meta', value: encode({ upper: t + 1 }) }], { sync });
    });
    return (count * batch) / ((performance.now() - start) / 1000);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/**
 * Appends `total` updates to `collection` in batches of `batch` (pipelined `inFlight` deep: a
 * single writer sending each append with the upper the previous one sets, before that one is
 * acknowledged), alternating with the raw baseline (`rounds`); returns the two medians.
 */
async function alternating(client: StorageClient, collection: string, raw: RawAppender, batch: number, total: number, sync: boolean, inFlight: number): Promise<{ rate: number; raw: number }> {
  const first = (await client.describe(collection)).upper;
  const r = await rounds(raw, batch, total, sync, inFlight, async (n) => {
    const upper = first + n;
    const res = await client.compareAndAppend({ collection, writer: 'bench', expectedUpper: upper, newUpper: upper + 1, updates: makeUpdates(batch, upper, n * batch) });
    if (!res.ok) throw new Error('append lost');
  });
  const stored = (await client.describe(collection)).updates;
  if (stored !== r.appends * batch) throw new Error(`appended ${r.appends * batch} updates, the collection holds ${stored}`);
  return r;
}

/**
 * ROUNDS rounds of appends `append(n)` (n counting from 0 across rounds), `inFlight` deep, each
 * followed by a round of the raw baseline of the same size, so both see the same machine; the
 * medians of the per-round rates, and how many appends were made.
 */
async function rounds(raw: RawAppender, batch: number, total: number, sync: boolean, inFlight: number, append: (n: number) => Promise<void>): Promise<{ rate: number; raw: number; appends: number }> {
  const perRound = Math.max(1, Math.ceil(total / batch / ROUNDS));
  const ours: number[] = [];
  const base: number[] = [];
  for (let r = 0, done = 0; r < ROUNDS; r++, done += perRound) {
    const start = performance.now();
    await pipelined(inFlight, perRound, (i) => append(done + i));
    ours.push((perRound * batch) / ((performance.now() - start) / 1000));
    base.push(await raw.run(batch, perRound, sync, inFlight));
  }
  return { rate: median(ours), raw: median(base), appends: ROUNDS * perRound };
}

const appendTarget = (batch: number) =>
  batch === 10_000 ? { text: '>= 1M updates/s and >= 40% of raw', check: (v: number, r: number | undefined) => v >= 1_000_000 && (r ?? 0) >= 0.4 } : undefined;

/**
 * Appends into a collection on a storage host in this process (client -> NATS -> collection
 * actor -> shard -> LevelDB), against raw LevelDB, alternating (see `alternating`).
 */
export async function appendBench(url: string, dir: string, batch: number, total: number, sync: boolean, inFlight = 1): Promise<Figure> {
  const hostDir = join(dir, `host-${batch}-${sync}-${inFlight}`);
  const host = await Host.start({ hostId: 'storage-0', region: 'bench', servers: url, ...PLATFORM, dataDir: hostDir, sync, kinds: [collectionKind, storageControllerKind] });
  await host.startActor({ kind: 'storage-controller', id: 'main', config: { hosts: ['storage-0'] } });
  const t = await Transport.connect({ servers: url, name: 'bench:storage', ...PLATFORM });
  const raw = await RawAppender.open(join(dir, `raw-${batch}-${sync}-${inFlight}`));
  try {
    const client = new StorageClient(t, 'bench');
    const id = `c${batch}${sync ? 's' : 'n'}${inFlight}`;
    await client.createSource(id, { kind: 'table', schema });
    const r = await alternating(client, id, raw, batch, total, sync, inFlight);
    const name = `append, batches of ${batch}, sync ${sync ? 'on' : 'off'}${inFlight > 1 ? `, ${inFlight} in flight` : ''} (median of ${ROUNDS} alternating rounds)`;
    return figure(name, r.rate, 'updates/s', { name: `raw LevelDB batch of the same bytes${inFlight > 1 ? `, ${inFlight} in flight` : ''}`, value: r.raw }, appendTarget(batch));
  } finally {
    await raw.close();
    await t.close();
    await host.shutdown();
  }
}

/**
 * The same appends into a collection on a storage host process of a running platform (as
 * deployed: the writer and the host are separate processes), one at a time.
 */
export async function appendToHostProcessBench(batch: number, total: number, sync: boolean): Promise<Figure> {
  const p = await startExamplePlatform(`bapp${batch}${sync ? 's' : 'n'}`, { DFN_SYNC: String(sync) });
  const dir = mkdtempSync(join(tmpdir(), 'dfn-bench-raw-'));
  const raw = await RawAppender.open(join(dir, 'raw'));
  try {
    const client = new StorageClient(p.transport, p.region);
    await until(() => client.createSource('t', { kind: 'table', schema }), 'created', 60_000, 50);
    const r = await alternating(client, 't', raw, batch, total, sync, 1);
    return figure(`append to a storage host process, batches of ${batch}, sync ${sync ? 'on' : 'off'} (median of ${ROUNDS} alternating rounds)`, r.rate, 'updates/s', { name: 'raw LevelDB batch of the same bytes', value: r.raw }, appendTarget(batch));
  } finally {
    await raw.close();
    await p.stop();
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
    // The median of 3 passes: the first also warms the decoder up (the subscription above no
    // longer decodes on the collection's side, so it does not warm it).
    const rates: number[] = [];
    for (let pass = 0; pass < 3; pass++) {
      const s2 = performance.now();
      let n = 0;
      // A batch value is a msgpack binary holding the msgpack bytes of its update array.
      for await (const [k, v] of db.iterator()) {
        if (!k.includes('!b/')) continue;
        const value = decode(v);
        n += (value instanceof Uint8Array ? (decode(value) as unknown[]) : (value as unknown[])).length;
      }
      rates.push(n / ((performance.now() - s2) / 1000));
    }
    rawRate = median(rates);
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

/**
 * The same appends (one at a time) as plain nats.js requests to bench/bare-appender.ts, a process
 * that writes the bytes to LevelDB and replies, with no definite code at all: the floor of an
 * append done this way on this machine (NATS hop, fsync, encoding), alternating with the raw
 * LevelDB baseline as `alternating` does.
 */
export async function bareFloorBench(url: string, dir: string, batch: number, total: number, sync: boolean): Promise<Figure> {
  const subject = `bench.bare.${batch}.${sync}`;
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'bare-appender.ts'), url, subject, join(dir, `bare-${batch}-${sync}`), String(sync)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`bare-appender exited (${code})`)));
  });
  const nc = await connect({ servers: url, name: 'bench:bare-client', ...PLATFORM });
  const raw = await RawAppender.open(join(dir, `bare-raw-${batch}-${sync}`));
  try {
    const r = await rounds(raw, batch, total, sync, 1, async (n) => {
      await nc.request(subject, encode(makeUpdates(batch, n + 1, n * batch)), { timeout: 10_000 });
    });
    return figure(`the floor: plain nats.js requests to a process that only writes them to LevelDB, batches of ${batch}, sync ${sync ? 'on' : 'off'} (no definite code; median of ${ROUNDS} alternating rounds)`, r.rate, 'updates/s', { name: 'raw LevelDB batch of the same bytes', value: r.raw });
  } finally {
    await raw.close();
    await nc.close();
    kill();
    process.removeListener('exit', kill);
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
      figures.push(await appendBench(url, dir, 10_000, 2_000_000, sync));
      figures.push(await appendBench(url, dir, 10_000, 2_000_000, sync, 4));
      figures.push(await appendBench(url, dir, 100, 100_000, sync));
      figures.push(await appendBench(url, dir, 1, 5_000, sync));
    }
    figures.push(await bareFloorBench(url, dir, 10_000, 2_000_000, true));
    figures.push(await subscribeBench(url, dir));
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const sync of [true, false]) figures.push(await appendToHostProcessBench(10_000, 2_000_000, sync));
  figures.push(...(await mergeStallBench(Number((process.env['DFN_BENCH_MERGE_ROWS'] ?? '1000000').replace(/,/g, '')))));
  figures.push(...(await restartBench(10_000)));
  figures.push(...(await restartBench(Number((process.env['DFN_BENCH_BIG'] ?? '10000000').replace(/,/g, '')))));
  return figures;
}
