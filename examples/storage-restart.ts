/**
 * `npm run example storage-restart [-- N]`: publishes N messages (default 20,000) to a JetStream
 * stream while a `jetstream` source ingests them, kills the storage host with SIGKILL in the
 * middle, lets the orchestrator restart it, and checks what was stored against what JetStream
 * acknowledged. The last line is one JSON object: acknowledged, stored, lost, duplicated,
 * upstreamRereads (counted by the source: messages fetched again at or below its committed
 * stream sequence), restartMs (SIGKILL until the source is ingesting again).
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { signal } from '../runtime/process-util.js';
import { StorageClient } from '../protocol/storage/client.js';
import { startExamplePlatform, until } from './support/platform.js';

export async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20_000);
  const p = await startExamplePlatform('stres');
  try {
    const client = new StorageClient(p.transport, p.region);
    const jsm = await jetstreamManager(p.transport.nc);
    await jsm.streams.add({ name: 'CLICKS', subjects: ['clicks.>'] });
    const schema = [
      { name: 'id', type: 'int' as const, nullable: false },
      { name: 'page', type: 'text' as const, nullable: false },
    ];
    await until(() => client.createSource('clicks', { kind: 'jetstream', stream: 'CLICKS', format: 'json', schema }), 'source created', 60_000, 100);
    console.log(`source "clicks" ingesting stream CLICKS; publishing ${n} messages`);

    const js = jetstream(p.transport.nc);
    let acknowledged = 0;
    let killedAt = 0;
    let positionAtKill = 0;
    const publisher = (async () => {
      const inflight: Promise<unknown>[] = [];
      for (let i = 1; i <= n; i++) {
        inflight.push(js.publish('clicks.page', JSON.stringify({ id: i, page: `/p/${i % 97}` })).then(() => acknowledged++));
        if (inflight.length >= 200) await Promise.all(inflight.splice(0));
      }
      await Promise.all(inflight);
    })();

    await until(async () => (await client.describe('clicks')).position >= n / 2, 'half ingested', 120_000, 10);
    const pid = await p.hostPid('storage-0');
    positionAtKill = (await client.describe('clicks')).position;
    killedAt = performance.now();
    signal(pid, 'SIGKILL');
    console.log(`SIGKILL storage host pid ${pid} at stream sequence ${positionAtKill}`);
    await until(async () => (await p.hostPid('storage-0')) !== pid, 'host restarted', 120_000, 2);
    const hostBackMs = performance.now() - killedAt;
    // short timeouts: a request that raced the kill into the dead connection must not stall the poll
    await until(async () => (await client.describe('clicks', 100)).position > positionAtKill, 'ingesting again', 120_000, 2);
    const restartMs = performance.now() - killedAt;
    await publisher;
    const info = await until(async () => {
      const d = await client.describe('clicks');
      return d.position >= n ? d : undefined;
    }, 'all ingested');
    const rows = await client.snapshot('clicks', info.upper - 1, true);
    const counts = new Map<number, number>();
    for (const [row, diff] of rows) counts.set(row[0] as number, (counts.get(row[0] as number) ?? 0) + diff);
    let lost = 0;
    let duplicated = 0;
    for (let i = 1; i <= acknowledged; i++) {
      const c = counts.get(i) ?? 0;
      if (c === 0) lost++;
      if (c > 1) duplicated += c - 1;
    }
    const stored = [...counts.values()].reduce((a, b) => a + b, 0);
    console.log(JSON.stringify({ acknowledged, stored, lost, duplicated, upstreamRereads: info.upstreamRereads, badMessages: info.badMessages, restartMs: Math.round(restartMs), hostProcessBackMs: Math.round(hostBackMs), newHostPid: await p.hostPid('storage-0') }));
  } finally {
    await p.stop();
  }
}
