/**
 * Process control of the drilled platform: the environment process (`definite env`:
 * orchestrator + controllers) as a real child, the host processes it starts (found by pid through
 * the orchestrator's ListHosts), and signals to all of them. Every request here is retried until
 * the platform answers, since the drill asks while faults are being recovered from.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../runtime/nats-server.js';
import { isAlive, signal } from '../runtime/process-util.js';
import { Transport } from '../runtime/transport.js';
import { orchestratorSubject } from '../protocol/subjects.js';
import type { HostList, HostRecord } from '../protocol/sys/messages.js';
import { abortWaits, Fatal, until } from './until.js';

export const NATS_USER = { user: 'platform', pass: 'platform-secret' };

export class DrillPlatform {
  env: ChildProcess | undefined;
  /** Set when the environment process exited without the drill stopping it (a finding). */
  unexpectedExit: string | undefined;

  constructor(
    readonly region: string,
    readonly dataDir: string,
    /** The server the environment process (and so its hosts) connects to. */
    private readonly envNatsUrl: string,
    /** The drill's own connection (requests, subscriptions), possibly to another server. */
    readonly transport: Transport,
  ) {}

  static async connect(url: string | string[], name: string): Promise<Transport> {
    return Transport.connect({ servers: url, name, ...NATS_USER, timeoutMs: 10_000 });
  }

  /** The port the current environment process serves webhooks on (undefined before it wrote it). */
  webhookPort(): number | undefined {
    try {
      return Number(readFileSync(join(this.dataDir, 'data', 'webhook.port'), 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  /** Spawns `definite env` and waits until its orchestrator answers. */
  async startEnv(): Promise<void> {
    const log = openSync(join(this.dataDir, 'env.log'), 'a');
    this.env = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'definite.js'), 'env'], {
      env: {
        ...process.env,
        DFN_PGWIRE_PORT: process.env['DFN_PGWIRE_PORT'] ?? '0',
        DFN_WEBHOOK_PORT: '0', // a free port, written to <data dir>/webhook.port (webhookPort())
        DFN_REGION: this.region,
        DFN_DATA_DIR: join(this.dataDir, 'data'),
        DFN_NATS_URL: this.envNatsUrl,
        DFN_NATS_USER: NATS_USER.user,
        DFN_NATS_PASS: NATS_USER.pass,
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const child = this.env;
    child.once('exit', (code, sig) => {
      if (this.env !== child) return;
      this.unexpectedExit = `definite env (pid ${child.pid}) exited by itself (code ${code}, signal ${sig}): ${this.envLogTail()}`;
      abortWaits(this.unexpectedExit);
    });
    await until(() => {
      if (child.exitCode !== null) throw new Fatal(`definite env exited with code ${child.exitCode}: ${this.envLogTail()}`);
      return this.hosts();
    }, 'orchestrator answering');
  }

  /** The last lines of the environment process's log. */
  envLogTail(lines = 5): string {
    try {
      return readFileSync(join(this.dataDir, 'env.log'), 'utf8').trim().split('\n').slice(-lines).join(' | ');
    } catch {
      return '';
    }
  }

  envPid(): number | undefined {
    return this.env?.pid !== undefined && isAlive(this.env.pid) ? this.env.pid : undefined;
  }

  /**
   * Stops one host process cleanly (its actors' stop hooks run) and starts it again; it recovers
   * the actors recorded in its own LevelDB. Returns the pids before and after.
   */
  async cleanRestartHost(hostId: string): Promise<{ before: number; after: number }> {
    const before = (await this.runningHost(hostId)).pid;
    await this.transport.request(orchestratorSubject(this.region), { type: 'StopHost', hostId }, { timeoutMs: 60_000 });
    await until(() => !isAlive(before), `${hostId} (pid ${before}) stopped`);
    await until(() => this.transport.request(orchestratorSubject(this.region), { type: 'StartHost', hostId, actors: [] }, { timeoutMs: 60_000 }), `${hostId} started again`);
    return { before, after: (await this.replaced(hostId, before, `${hostId} running again`)).pid };
  }

  /** The host record once `hostId` runs again as a process other than `pid` (a restart). */
  async replaced(hostId: string, pid: number, what = `${hostId} restarted`): Promise<HostRecord> {
    return until(async () => {
      const h = await this.runningHost(hostId);
      return h.pid !== pid ? h : undefined;
    }, what);
  }

  async hosts(timeoutMs = 5000): Promise<HostRecord[]> {
    return (await this.transport.request<HostList>(orchestratorSubject(this.region), { type: 'ListHosts' }, { timeoutMs })).hosts;
  }

  /** The host record once the host is running with a live pid. */
  async runningHost(hostId: string): Promise<HostRecord> {
    return until(async () => {
      const h = (await this.hosts()).find((x) => x.hostId === hostId);
      return h && h.state === 'running' && isAlive(h.pid) ? h : undefined;
    }, `host ${hostId} running`);
  }

  /** SIGKILLs the environment process and waits for it to be gone. */
  async killEnv(): Promise<void> {
    const child = this.env;
    this.env = undefined;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((r) => {
      child.once('exit', () => r());
      signal(child.pid!, 'SIGKILL');
    });
  }

  /** Clean stop: the orchestrator's Shutdown (stops hosts and controllers), then waits for exits. */
  async stopClean(): Promise<void> {
    const pids = (await this.hosts()).map((h) => h.pid);
    const child = this.env;
    const exited = child && child.exitCode === null ? new Promise<void>((r) => child.once('exit', () => r())) : Promise.resolve();
    this.env = undefined;
    await this.transport.request(orchestratorSubject(this.region), { type: 'Shutdown' }, { timeoutMs: 30_000 });
    await exited;
    this.env = undefined;
    await until(() => pids.every((p) => !isAlive(p)), 'hosts stopped');
  }

  /** Best-effort teardown: clean stop, then SIGKILL whatever is left. */
  async teardown(): Promise<void> {
    let pids: number[] = [];
    try {
      pids = (await this.hosts(2000)).map((h) => h.pid);
      await this.transport.request(orchestratorSubject(this.region), { type: 'Shutdown' }, { timeoutMs: 15_000 });
    } catch {
      // kill below
    }
    const envPid = this.env?.pid;
    if (envPid && isAlive(envPid)) signal(envPid, 'SIGKILL');
    for (const pid of pids) if (isAlive(pid)) signal(pid, 'SIGKILL');
    await this.transport.close();
  }
}
