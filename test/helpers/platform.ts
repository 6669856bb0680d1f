/**
 * Test helper: runs the environment process (`definite env`: orchestrator + controllers) as a real
 * child process against a test nats-server and a temp data dir, so tests can SIGKILL it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../runtime/nats-server.js';
import { isAlive, signal } from '../../runtime/process-util.js';
import { Transport } from '../../runtime/transport.js';
import { orchestratorSubject } from '../../protocol/subjects.js';
import type { HostList } from '../../protocol/sys/messages.js';
import { eventually, PLATFORM_USER, type TestNats } from './nats.js';

export interface TestPlatform {
  region: string;
  dataDir: string;
  env: Record<string, string>;
  envProcess: ChildProcess;
  transport: Transport;
  startEnv(): Promise<void>;
  hosts(): Promise<HostList['hosts']>;
  cleanup(): Promise<void>;
}

export async function startPlatform(nats: TestNats, region: string, extraEnv: Record<string, string> = {}): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), `dfn-${region}-`));
  const env: Record<string, string> = {
    DFN_REGION: region,
    DFN_DATA_DIR: dataDir,
    DFN_NATS_URL: nats.url,
    DFN_NATS_USER: PLATFORM_USER.user,
    DFN_NATS_PASS: PLATFORM_USER.pass,
    // Any free port for the Postgres front end (written to <dataDir>/pgwire.port): tests run side by side.
    DFN_PGWIRE_PORT: '0',
    DFN_WEBHOOK_PORT: '0',
    ...extraEnv,
  };
  // The test's own connection is the platform's user, so it talks to this platform's account.
  const user = { user: env['DFN_NATS_USER']!, pass: env['DFN_NATS_PASS']! };
  const transport = await Transport.connect({ servers: nats.url, name: `test:${region}`, ...user, timeoutMs: 10_000 });
  const p: TestPlatform = {
    region,
    dataDir,
    env,
    envProcess: undefined as unknown as ChildProcess,
    transport,
    async startEnv() {
      const log = openSync(join(dataDir, 'env-test.log'), 'a');
      p.envProcess = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'definite.js'), 'env'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      await eventually(() => p.hosts(), `orchestrator of ${region} answering`);
    },
    async hosts() {
      return (await transport.request<HostList>(orchestratorSubject(region), { type: 'ListHosts' })).hosts;
    },
    async cleanup() {
      const pids: number[] = [];
      try {
        for (const h of await p.hosts()) pids.push(h.pid);
        await transport.request(orchestratorSubject(region), { type: 'Shutdown' }, { timeoutMs: 30_000 });
      } catch {
        // fall through to killing whatever is left
      }
      if (p.envProcess && isAlive(p.envProcess.pid ?? 0)) signal(p.envProcess.pid!, 'SIGKILL');
      for (const pid of pids) if (isAlive(pid)) signal(pid, 'SIGKILL');
      await transport.close();
      if (!process.env["DFN_TEST_KEEP"]) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await p.startEnv();
  // The controllers start the storage host and the default cluster's process in the background:
  // tests begin once both run, so what they observe of the platform does not change under them.
  await eventually(async () => {
    const hs = await p.hosts();
    return ['storage-0', 'cluster-u1'].every((id) => hs.some((h) => h.hostId === id && h.state === 'running'));
  }, `the platform hosts of ${region} running`);
  return p;
}

/** The pid of host `hostId` while the orchestrator reports it running, else 0. */
export async function runningHostPid(p: TestPlatform, hostId: string): Promise<number> {
  return (await p.hosts()).find((h) => h.hostId === hostId && h.state === 'running')?.pid ?? 0;
}

/** The port the platform's Postgres front end listens on (it writes it to <dataDir>/pgwire.port). */
export async function pgwirePort(p: TestPlatform): Promise<number> {
  return eventually(() => {
    const port = Number(readFileSync(join(p.dataDir, 'pgwire.port'), 'utf8').trim());
    if (!(port > 0)) throw new Error('pgwire.port not written yet');
    return port;
  }, 'the pgwire listener of the platform');
}

/** The port the platform's webhook front end listens on (it writes it to <dataDir>/webhook.port). */
export async function webhookPort(p: TestPlatform): Promise<number> {
  return eventually(() => {
    const port = Number(readFileSync(join(p.dataDir, 'webhook.port'), 'utf8').trim());
    if (!(port > 0)) throw new Error('webhook.port not written yet');
    return port;
  }, 'the webhook listener of the platform');
}

/** The tail of a log file in the platform's data dir, for failure messages. */
export function logTail(p: TestPlatform, name: string, lines = 20): string {
  try {
    return readFileSync(join(p.dataDir, name), 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
