/**
 * Examples' and benchmarks' platform: a nats-server started with nats.conf on free ports and the
 * environment process (`definite env`: orchestrator, controllers, host processes) in a temp data
 * dir, as real processes that can be killed. `stop()` shuts everything down and removes the dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNatsServer, PROJECT_ROOT, type RunningNatsServer } from '../../runtime/nats-server.js';
import { isAlive, signal } from '../../runtime/process-util.js';
import { Transport } from '../../runtime/transport.js';
import { orchestratorSubject } from '../../protocol/subjects.js';
import type { HostList } from '../../protocol/sys/messages.js';

export interface ExamplePlatform {
  region: string;
  dir: string;
  transport: Transport;
  env: ChildProcess;
  hosts(): Promise<HostList['hosts']>;
  hostPid(hostId: string): Promise<number>;
  startEnv(): Promise<void>;
  stop(): Promise<void>;
}

export async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, boundMs = 120_000, everyMs = 5): Promise<T> {
  const end = Date.now() + boundMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`${what} never happened`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function startExamplePlatform(region = 'example', extraEnv: Record<string, string> = {}): Promise<ExamplePlatform> {
  const dir = mkdtempSync(join(tmpdir(), `dfn-${region}-`));
  const port = await freePort();
  const server: RunningNatsServer = await startNatsServer({ port, httpPort: await freePort(), wsPort: await freePort(), storeDir: join(dir, 'jetstream') });
  const url = `nats://127.0.0.1:${port}`;
  const env = { ...process.env, DFN_PGWIRE_PORT: process.env['DFN_PGWIRE_PORT'] ?? '0', DFN_REGION: region, DFN_DATA_DIR: join(dir, 'data'), DFN_NATS_URL: url, DFN_NATS_USER: 'platform', DFN_NATS_PASS: 'platform-secret', ...extraEnv };
  const transport = await Transport.connect({ servers: url, name: `example:${region}`, user: 'platform', pass: 'platform-secret', timeoutMs: 10_000 });
  const p: ExamplePlatform = {
    region,
    dir,
    transport,
    env: undefined as unknown as ChildProcess,
    async hosts() {
      return (await transport.request<HostList>(orchestratorSubject(region), { type: 'ListHosts' })).hosts;
    },
    async hostPid(hostId: string) {
      const h = (await p.hosts()).find((x) => x.hostId === hostId);
      if (!h) throw new Error(`no host ${hostId}`);
      return h.pid;
    },
    async startEnv() {
      const log = openSync(join(dir, 'env.log'), 'a');
      p.env = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'definite.js'), 'env'], { env, stdio: ['ignore', log, log] });
      closeSync(log);
      await until(() => p.hosts(), 'orchestrator answering', 60_000, 50);
    },
    async stop() {
      const pids: number[] = [];
      try {
        for (const h of await p.hosts()) pids.push(h.pid);
        await transport.request(orchestratorSubject(region), { type: 'Shutdown' }, { timeoutMs: 30_000 });
      } catch {
        // kill what is left below
      }
      if (p.env?.pid && isAlive(p.env.pid)) signal(p.env.pid, 'SIGKILL');
      for (const pid of pids) if (isAlive(pid)) signal(pid, 'SIGKILL');
      await transport.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await p.startEnv();
  return p;
}
