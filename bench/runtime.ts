/**
 * Runtime benchmarks, each beside its baseline measured in the same run:
 * - codec: msgpack encode/decode of a typical message against JSON;
 * - request/reply through an actor (decode, validate, mailbox, reply) against raw NATS request/reply;
 * - 10,000 idle actors in one process: time and memory per actor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { encode, decode } from '../protocol/codec.js';
import { actorSubject } from '../protocol/subjects.js';
import { Host } from '../runtime/host.js';
import { Transport } from '../runtime/transport.js';
import { freePort, startNatsServer } from '../runtime/nats-server.js';
import { counterKind } from '../actors/demo/counter.js';
import { figure, median, type Figure } from './figure.js';

const PLATFORM = { user: 'platform', pass: 'platform-secret' };

/** A message shaped like a small append: 100 rows of mixed values. */
function sampleMessage() {
  const updates = Array.from({ length: 100 }, (_, i) => [[i, `name-${i}`, i * 1.5, i % 2 === 0, null], 1_700_000_000_000 + i, 1]);
  return { type: 'Append', collection: 'u1', writer: 'w1', token: 'tok', expectedUpper: 1_700_000_000_000, newUpper: 1_700_000_000_100, updates };
}

async function benchCodec(): Promise<Figure[]> {
  const msg = sampleMessage();
  const packed = encode(msg);
  const json = JSON.stringify(msg);
  const bench = new Bench({ time: 1500 });
  bench
    .add('msgpack encode', () => encode(msg))
    .add('JSON encode', () => Buffer.from(JSON.stringify(msg)))
    .add('msgpack decode', () => decode(packed))
    .add('JSON decode', () => JSON.parse(json));
  await bench.run();
  const hz = (name: string) => {
    const r = bench.tasks.find((t) => t.name === name)!.result as unknown as { throughput: { mean: number } };
    return r.throughput.mean;
  };
  return [
    figure('codec: encode a 100-row message (msgpack)', hz('msgpack encode'), 'ops/s', { name: 'JSON.stringify', value: hz('JSON encode') }),
    figure('codec: decode a 100-row message (msgpack)', hz('msgpack decode'), 'ops/s', { name: 'JSON.parse', value: hz('JSON decode') }),
    figure('codec: encoded size (msgpack)', packed.length, 'bytes', { name: 'JSON', value: Buffer.byteLength(json) }),
  ];
}

async function withPlatform<T>(fn: (url: string, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'dfn-bench-'));
  const server = await startNatsServer({ port: await freePort(), httpPort: await freePort(), wsPort: await freePort(), storeDir: join(dir, 'js') });
  try {
    return await fn(server.url, dir);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchRequestReply(): Promise<Figure[]> {
  return withPlatform(async (url, dir) => {
    const host = await Host.start({ hostId: 'bench', region: 'bench', servers: url, ...PLATFORM, dataDir: dir, kinds: [counterKind], heartbeatMs: 1000 });
    await host.startActor({ kind: 'counter', id: 'c1' });
    const client = await Transport.connect({ servers: url, name: 'bench:client', ...PLATFORM });
    const raw = await Transport.connect({ servers: url, name: 'bench:raw', ...PLATFORM });
    raw.nc.subscribe('bench.raw', { callback: (_e, m) => void m.respond(encode({ type: 'Echoed', payload: (decode(m.data) as { payload: unknown }).payload })) });
    await raw.nc.flush();
    const subject = actorSubject('bench', 'sys', 'counter', 'c1');
    const payload = { id: 42, name: 'hello' };
    const rawBody = encode({ type: 'Echo', payload });
    const rounds = 5;
    const n = 3000;
    const actorTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < 500; i++) {
      await client.request(subject, { type: 'Echo', payload });
      await client.nc.request('bench.raw', rawBody);
    }
    // Interleave rounds so both see the same machine noise.
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < n; i++) {
        let t0 = process.hrtime.bigint();
        await client.nc.request('bench.raw', rawBody).then((m) => decode(m.data));
        rawTimes.push(Number(process.hrtime.bigint() - t0) / 1000);
        t0 = process.hrtime.bigint();
        await client.request(subject, { type: 'Echo', payload });
        actorTimes.push(Number(process.hrtime.bigint() - t0) / 1000);
      }
    }
    await client.close();
    await raw.close();
    await host.shutdown();
    return [
      figure('request/reply through an actor (median round trip)', median(actorTimes), 'µs', { name: 'raw NATS request/reply', value: median(rawTimes) }, {
        text: 'ratio <= 1.3',
        check: (_v, ratio) => (ratio ?? Infinity) <= 1.3,
      }),
    ];
  });
}

async function benchIdleActors(count = 10_000): Promise<Figure[]> {
  return withPlatform(async (url, dir) => {
    const host = await Host.start({ hostId: 'idle', region: 'bench', servers: url, ...PLATFORM, dataDir: dir, kinds: [counterKind], heartbeatMs: 1000, sync: false });
    // Warm up one actor so code paths and the connection are allocated before measuring.
    await host.startActor({ kind: 'counter', id: 'warm' });
    gc();
    const before = process.memoryUsage();
    const t0 = performance.now();
    const chunk = 500;
    for (let i = 0; i < count; i += chunk) {
      await Promise.all(Array.from({ length: Math.min(chunk, count - i) }, (_, j) => host.startActor({ kind: 'counter', id: `a${i + j}` })));
    }
    const elapsed = performance.now() - t0;
    await host.transport.nc.flush();
    gc();
    await new Promise((r) => setTimeout(r, 200));
    gc();
    const after = process.memoryUsage();
    const perActorHeap = (after.heapUsed - before.heapUsed) / count;
    const perActorTotal = (after.heapUsed + after.external - before.heapUsed - before.external) / count;
    const running = [...Array(count).keys()].filter((i) => host.cell(`a${i}`)?.state() === 'running').length;
    await host.shutdown();
    return [
      figure(`${count} idle actors: memory per actor (heap + external)`, perActorTotal / 1024, 'KiB', { name: 'target', value: 10 }, {
        text: '<= 10 KiB',
        check: (v) => v <= 10,
      }),
      figure(`${count} idle actors: heap per actor`, perActorHeap / 1024, 'KiB'),
      figure(`${count} idle actors: start time per actor (${running} running)`, (elapsed * 1000) / count, 'µs'),
    ];
  });
}

declare function gc(): void;

export async function benchRuntime(): Promise<Figure[]> {
  return [...(await benchCodec()), ...(await benchRequestReply()), ...(await benchIdleActors())];
}
