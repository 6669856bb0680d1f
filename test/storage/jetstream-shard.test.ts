/**
 * The shard on the JetStream backend (actors/storage/jetstream-shard-store.ts), on a real
 * nats-server started here (2.10 with `sync_interval: always` when scripts/fetch-nats-2.10.sh
 * fetched it, else the installed one): append, read, merges and reopen (also after a nats-server
 * restart); two processes' copies of one shard racing: exactly one writes, the other is fenced
 * with a typed error and the state is intact; a process SIGKILLed while appending and a new
 * process without local state adopting the shard and serving every acknowledged append.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { setupSyncedNats, PLATFORM_USER, type TestNats } from '../helpers/nats.js';
import { JetStreamShards, keyToken } from '../../actors/storage/jetstream-shard-store.js';
import { Shard, keysOf } from '../../actors/storage/shard.js';
import { StorageErrorCode } from '../../protocol/storage/errors.js';
import { SeededRandom } from '../../runtime/random.js';
import { PROJECT_ROOT } from '../../runtime/nats-server.js';
import type { Column, Row, Update } from '../../protocol/types.js';
import { asMap, naive } from '../helpers/naive-contents.js';

const schema: Column[] = [
  { name: 'k', type: 'int', nullable: false },
  { name: 'v', type: 'text', nullable: true },
];

let nats: TestNats & { synced: boolean };
const conns: NatsConnection[] = [];

beforeAll(async () => {
  nats = await setupSyncedNats();
});
afterAll(async () => {
  for (const nc of conns) await nc.close().catch(() => undefined);
  await nats.cleanup();
});

/** A new connection and the region's buckets on it: what one storage host process holds. */
async function host(): Promise<JetStreamShards> {
  const nc = await connect({ servers: nats.url, ...PLATFORM_USER });
  conns.push(nc);
  return JetStreamShards.open(nc, 'test');
}


test('the server fsyncs JetStream writes when nats-server 2.10 was fetched (else: the installed server, said here)', async () => {
  const varz = (await (await fetch(`http://127.0.0.1:${nats.server.httpPort}/varz`)).json()) as { version: string; jetstream?: { config?: { sync_always?: boolean } } };
  if (!nats.synced) {
    console.warn(`nats-server ${varz.version}: scripts/fetch-nats-2.10.sh was not run, JetStream writes are not fsynced in this run`);
    return;
  }
  expect(varz.version).toMatch(/^2\.10\./);
  expect(varz.jetstream?.config?.sync_always).toBe(true);
});

test('key tokens: every character outside the KV key alphabet is escaped, reversibly', () => {
  expect(keyToken('collection/u12')).toBe('collection/u12');
  expect(keyToken('b/m1a2b-3/000001')).toBe('b/m1a2b-3/000001');
  expect(keyToken('a.b=c d!é')).toBe('a=2eb=3dc=20d=21=c3=a9');
});

test('append, read at every time across merges and compaction, reopen in another process and after a nats-server restart', async () => {
  const name = 'collection/u1';
  const shard = await Shard.open((await host()).shard(name), { schema, upper: 0 });
  const rnd = new SeededRandom(11);
  const all: Update[] = [];
  const live: Row[] = [];
  for (let t = 0; t < 40; t++) {
    const batch: Update[] = [];
    for (let i = 0; i < 5; i++) {
      if (live.length > 0 && rnd.next() < 0.3) {
        const row = live.splice(Math.floor(rnd.next() * live.length), 1)[0]!;
        batch.push([row, t, -1]);
      } else {
        const row: Row = [Math.floor(rnd.next() * 1000), rnd.next() < 0.2 ? null : `v${t}`];
        live.push(row);
        batch.push([row, t, 1]);
      }
    }
    await shard.compareAndAppend({ writer: 'w', token: `t${t}`, expectedUpper: t, newUpper: t + 1, updates: batch }, name);
    all.push(...batch);
    if (t === 25) await shard.advanceSinceTo(20);
  }
  // a retry is a duplicate, a stale expected upper a mismatch (the same rules as on LevelDB)
  expect(await shard.compareAndAppend({ writer: 'w', token: 't39', expectedUpper: 39, newUpper: 40, updates: [] }, name)).toEqual({ upper: 40, duplicate: true });
  await expect(shard.compareAndAppend({ writer: 'x', token: 'x', expectedUpper: 3, newUpper: 50, updates: [] }, name)).rejects.toMatchObject({ code: StorageErrorCode.UpperMismatch });
  for (let t = 20; t < 40; t++) expect(asMap(await shard.snapshot(t, name))).toEqual(naive(all, t));
  // merges ran (40 appends of 5 updates: far fewer batches listed than appends)
  await new Promise((r) => setTimeout(r, 200));
  expect(shard.state.batches.length).toBeLessThan(20);

  // Another process (a new connection, nothing local) opens it: the same contents at every time.
  const second = await Shard.open((await host()).shard(name), { schema, upper: 0 });
  expect(second.upper).toBe(40);
  for (let t = 20; t < 40; t++) expect(asMap(await second.snapshot(t, name))).toEqual(naive(all, t));
  await second.swept;
  // The first copy was superseded by that open: it is fenced.
  await expect(shard.compareAndAppend({ writer: 'w', token: 'late', expectedUpper: 40, newUpper: 41, updates: [[[1, 'late'], 40, 1]] }, name)).rejects.toMatchObject({
    code: StorageErrorCode.Fenced,
  });
  await second.compareAndAppend({ writer: 'w', token: 't40', expectedUpper: 40, newUpper: 41, updates: [[[1, 'after'], 40, 1]] }, name);
  all.push([[1, 'after'], 40, 1]);

  // nats-server restarted (its store dir kept): everything acknowledged is still there.
  await nats.restart();
  const third = await Shard.open((await host()).shard(name), { schema, upper: 0 });
  expect(third.upper).toBe(41);
  for (let t = 20; t < 41; t++) expect(asMap(await third.snapshot(t, name))).toEqual(naive(all, t));
});

test('two copies racing on one shard: exactly one writes, the other gets Fenced, the state is intact', async () => {
  const name = 'collection/u2';
  const init = await Shard.open((await host()).shard(name), { schema, upper: 0 });
  await init.compareAndAppend({ writer: 'w', token: 'a0', expectedUpper: 0, newUpper: 1, updates: [[[0, 'base'], 0, 1]] }, name);
  for (let round = 0; round < 5; round++) {
    // Two processes open the shard at once (both may read the same revision) and append at once.
    const opened = await Promise.allSettled([Shard.open((await host()).shard(name), { schema, upper: 0 }), Shard.open((await host()).shard(name), { schema, upper: 0 })]);
    const shards = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    for (const o of opened) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: StorageErrorCode.Fenced });
    expect(shards.length).toBeGreaterThanOrEqual(1);
    const upper = shards[0]!.upper;
    const results = await Promise.allSettled(
      shards.map((s, i) => s.compareAndAppend({ writer: `w${i}`, token: `r${round}`, expectedUpper: upper, newUpper: upper + 1, updates: [[[round + 1, `writer${i}`], upper, 1]] }, name)),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: StorageErrorCode.Fenced });
    const winner = results.findIndex((r) => r.status === 'fulfilled');
    // A fresh reader sees the winner's row and never the loser's.
    const reader = await Shard.open((await host()).shard(name), { schema, upper: 0 });
    expect(reader.upper).toBe(upper + 1);
    const rows = asMap(await reader.snapshot(upper, name));
    expect(rows.get(JSON.stringify([round + 1, `writer${winner}`]))).toBe(1);
    for (let i = 0; i < shards.length; i++) if (i !== winner) expect(rows.has(JSON.stringify([round + 1, `writer${i}`]))).toBe(false);
    expect(rows.size).toBe(round + 2);
    // The reader's open claimed the shard: the winner is fenced now too, and nothing it tries lands.
    await expect(shards[winner]!.compareAndAppend({ writer: 'z', token: `z${round}`, expectedUpper: upper + 1, newUpper: upper + 2, updates: [[[99, 'zombie'], upper + 1, 1]] }, name)).rejects.toMatchObject({
      code: StorageErrorCode.Fenced,
    });
    const buckets = await host();
    const check = await Shard.open(buckets.shard(name), { schema, upper: 0 });
    expect(check.upper).toBe(upper + 1);
    expect(asMap(await check.snapshot(upper, name))).toEqual(rows);
    // The losers' values (written before their state write was refused) were orphans: the sweep
    // of an open deleted them, and every value the state lists is there.
    await check.swept;
    const stored: string[] = [];
    for await (const k of await buckets.batches.keys(`${keyToken(name)}.>`)) stored.push(k.slice(keyToken(name).length + 1));
    expect(stored.sort()).toEqual(check.state.batches.flatMap(keysOf).map(keyToken).sort());
  }
});

/** Runs the shard process fixture in a fresh empty dir; `lines` collects its stdout lines. */
function shardProcess(args: string[]): { child: ReturnType<typeof spawn>; lines: string[]; exited: Promise<number | null>; dir: string; readonly done: boolean } {
  const dir = mkdtempSync(join(tmpdir(), 'dfn-jsshard-host-'));
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(PROJECT_ROOT, 'node_modules/tsx/dist/loader.mjs')).href, join(PROJECT_ROOT, 'test/storage/fixtures/jetstream-shard-process.ts'), ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const lines: string[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  let done = false;
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      done = true;
      r(code);
    }),
  );
  return { child, lines, exited, dir, get done() { return done; } };
}

test('a process SIGKILLed while appending; a new process without local state adopts the shard and serves every acknowledged row', async () => {
  const name = 'collection/u3';
  const writer = shardProcess(['write', nats.url, name, '0']);
  const deadline = Date.now() + 120_000;
  while (writer.lines.filter((l) => l.startsWith('ack ')).length < 20 && !writer.done && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  writer.child.kill('SIGKILL');
  await writer.exited;
  const acked = writer.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.split(' ')[2]));
  expect(acked.length).toBeGreaterThanOrEqual(20);
  const lastAcked = Math.max(...acked);

  const adopter = shardProcess(['adopt', nats.url, name]);
  expect(await adopter.exited).toBe(0);
  const state = JSON.parse(adopter.lines.find((l) => l.startsWith('state '))!.slice('state '.length)) as { upper: number; rows: Array<[Row, number]> };
  const ks = state.rows.map(([r, d]) => {
    expect(d).toBe(1); // no row twice
    return r[0] as number;
  });
  ks.sort((a, b) => a - b);
  // Every acknowledged row, each once; at most the one append in flight at the kill beyond them.
  expect(ks.length).toBeGreaterThanOrEqual(lastAcked + 1);
  expect(ks.length).toBeLessThanOrEqual(lastAcked + 1 + 50);
  ks.forEach((k, i) => expect(k).toBe(i));
  // The adopter appended after adopting; a third process sees that too.
  expect(adopter.lines.some((l) => l.startsWith('ack '))).toBe(true);
  const reader = await Shard.open((await host()).shard(name), { schema, upper: 0 });
  expect(reader.upper).toBe(state.upper + 1);
  expect((await reader.snapshot(reader.upper - 1, name)).length).toBe(ks.length + 50);
  for (const p of [writer, adopter]) rmSync(p.dir, { recursive: true, force: true });
});
