/**
 * Probe (docs/storage.md, "Consolidated subscriptions send stored bytes"): a 1M-row collection
 * (100 appends of 10,000 rows) on a storage host in this process, then three consolidated
 * subscriptions with a snapshot at its last time; prints rows/s for each.
 * `node --import tsx bench/probes/snap.ts`
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../../runtime/host.js';
import { Transport } from '../../runtime/transport.js';
import { collectionKind } from '../../actors/storage/collection.js';
import { storageControllerKind } from '../../actors/storage/controller.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { startNatsServer, freePort } from '../../runtime/nats-server.js';
const P = { user: 'platform', pass: 'platform-secret' };
const dir = mkdtempSync(join(tmpdir(), 'snap-'));
const port = await freePort();
const server = await startNatsServer({ port, httpPort: await freePort(), wsPort: await freePort(), storeDir: join(dir, 'js') });
const url = `nats://127.0.0.1:${port}`;
const host = await Host.start({ hostId: 'storage-0', region: 'bs', servers: url, ...P, dataDir: join(dir, 'h'), sync: false, kinds: [collectionKind, storageControllerKind] });
await host.startActor({ kind: 'storage-controller', id: 'main', config: { hosts: ['storage-0'] } });
const t = await Transport.connect({ servers: url, name: 'snap', ...P });
const client = new StorageClient(t, 'bs');
await client.createSource('s', { kind: 'table', schema: [{ name: 'id', type: 'int', nullable: false }, { name: 'name', type: 'text', nullable: false }, { name: 'amount', type: 'float', nullable: true }] });
let upper = (await client.describe('s')).upper;
for (let i = 0; i < 1_000_000; i += 10_000) {
  const updates = Array.from({ length: 10_000 }, (_, j) => [[i + j, `name-${(i + j) % 1000}`, (i + j) * 0.5], upper, 1] as [unknown[], number, number]);
  await client.compareAndAppend({ collection: 's', writer: 'b', expectedUpper: upper, newUpper: upper + 1, updates: updates as never });
  upper++;
}
await new Promise((r) => setTimeout(r, 1500));
for (let k = 0; k < 3; k++) {
  let got = 0; let done!: () => void; const fin = new Promise<void>((r) => (done = r));
  const s0 = performance.now();
  const sub = await client.subscribe('s', upper - 1, { updates: (u) => (got += u.length), progress: (f) => (f[0] ?? 0) >= upper && done(), failed: (e) => console.log(e) });
  await fin; sub.cancel();
  console.log('snapshot', got, (got / ((performance.now() - s0) / 1000) / 1e3).toFixed(0), 'k rows/s');
}
await t.close(); await host.shutdown(); await server.stop();
