/**
 * Append on the JetStream shard backend against its baselines, in one process: one KV put of the
 * same bytes to the same bucket (raw JetStream), and the LevelDB shard (sync on). nats-server 2.10
 * with `sync_interval: always` (run scripts/fetch-nats-2.10.sh first), R1, one server.
 * `node --import tsx bench/jetstream-shard.ts` (N=<appends>, default 100, of 10,000 updates).
 * Not yet part of `npm run bench`. Figures: docs/storage.md, "Storage backends".
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { freePort, startNatsServer, projectNatsServer210, PROJECT_ROOT } from '../runtime/nats-server.js';
import { JetStreamShards } from '../actors/storage/jetstream-shard-store.js';
import { Shard } from '../actors/storage/shard.js';
import { DurableStore } from '../runtime/store.js';
import { encode } from '../protocol/codec.js';
import type { Update } from '../protocol/types.js';

const dir = mkdtempSync(join(tmpdir(), 'jsbench-'));
const conf = readFileSync(join(PROJECT_ROOT, 'nats.conf'), 'utf8').replace(/^jetstream \{$/m, 'jetstream {\n  sync_interval: always');
writeFileSync(join(dir, 'n.conf'), conf);
const server = await startNatsServer({ port: await freePort(), httpPort: await freePort(), wsPort: await freePort(), storeDir: join(dir, 'js'), bin: projectNatsServer210() ?? (() => { throw new Error('run scripts/fetch-nats-2.10.sh first'); })(), configFile: join(dir, 'n.conf') });
const nc = await connect({ servers: server.url, user: 'platform', pass: 'platform-secret' });
const buckets = await JetStreamShards.open(nc, 'bench');
const schema = [{ name: 'k', type: 'int' as const, nullable: false }, { name: 'v', type: 'text' as const, nullable: true }];
const N = Number(process.env.N ?? 100), B = 10_000;
function batch(t: number): Update[] { const u: Update[] = []; for (let i = 0; i < B; i++) u.push([[t * B + i, `value-${i}`], t, 1]); return u; }
const batches = Array.from({ length: N }, (_, t) => batch(t));
const bytes = batches.map((b) => encode(b));
async function shardRun(label: string, store: Parameters<typeof Shard.open>[0]) {
  const shard = await Shard.open(store, { schema, upper: 0 });
  const t0 = performance.now();
  for (let t = 0; t < N; t++) await shard.compareAndAppend({ writer: 'w', token: `t${t}`, expectedUpper: t, newUpper: t + 1, updates: { encoded: bytes[t]!, count: B, sorted: true, retractions: 0 } }, 'c');
  const ms = performance.now() - t0;
  console.log(label, Math.round((N * B) / (ms / 1000)), 'updates/s', (ms / N).toFixed(2), 'ms/append');
}
// raw: the same bytes, one KV put each, to the same bucket
const t0 = performance.now();
for (let t = 0; t < N; t++) await buckets.batches.put(`raw.b${t}`, bytes[t]!);
const rawMs = performance.now() - t0;
console.log('raw KV put (same bytes, same bucket)', Math.round((N * B) / (rawMs / 1000)), 'updates/s', (rawMs / N).toFixed(2), 'ms/put', (bytes[0]!.length / 1024).toFixed(0), 'KiB each');
await shardRun('shard on JetStream (sync always, R1)', buckets.shard('collection/bench1'));
const db = await DurableStore.open(join(dir, 'db'), { sync: true });
await shardRun('shard on LevelDB (sync on)', db.actor('c'));
await db.close();
await nc.close();
await server.stop();
rmSync(dir, { recursive: true, force: true });
