/**
 * Probe (docs/storage.md, "Consolidated subscriptions send stored bytes"): bench/storage.ts's
 * `subscribeBench` alone, N times (argv[2], default 1), on a nats-server of its own.
 * `node --import tsx bench/probes/sub.ts 3`
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subscribeBench } from '../../bench/storage.js';
import { startNatsServer, freePort } from '../../runtime/nats-server.js';
const dir = mkdtempSync(join(tmpdir(), 'sub-'));
const port = await freePort();
const server = await startNatsServer({ port, httpPort: await freePort(), wsPort: await freePort(), storeDir: join(dir, 'js') });
for (let i = 0; i < Number(process.argv[2] ?? 1); i++) {
  const f = await subscribeBench(`nats://127.0.0.1:${port}`, join(dir, 'r' + i));
  console.log((f.value / 1e3).toFixed(0), 'k/s; raw', (f.baseline!.value / 1e6).toFixed(2), 'M/s');
}
await server.stop();
