/**
 * A host process as a supervised Child of the orchestrator. `start` spawns it detached (so it
 * outlives the orchestrator) and resolves at its first heartbeat; `adopt` attaches to one that is
 * already running. Death is noticed through the child's exit event when we spawned it, and through
 * liveness polling and heartbeat staleness otherwise; a host that stops heartbeating (e.g. paused)
 * is killed with SIGKILL and reported as failed so the supervisor restarts it. Every state change
 * is reported to `onTransition` (the orchestrator publishes it as an inspection event). A start
 * uses a warm spare process when the orchestrator has one waiting (`takeSpare`), else spawns.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeNode } from '../protocol/inspect/messages.js';
import type { Heartbeat } from '../protocol/inspect/messages.js';
import type { Child, ChildExit } from './child.js';
import type { Clock } from './clock.js';
import { isAlive, signal } from './process-util.js';

/** How to launch one host process. */
export interface HostLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  logDir: string;
  /** Open an IPC channel to the child (a front-end process receives sockets over it). */
  ipc?: boolean;
}

export interface HostProcessOptions {
  hostId: string;
  launch: HostLaunch;
  clock: Clock;
  /** A host whose last heartbeat is older than this is considered hung and killed. */
  heartbeatTimeoutMs: number;
  /** How often liveness is checked. */
  checkMs: number;
  /** Asks the host to shut down cleanly (a ShutdownHost request). */
  requestShutdown: () => Promise<void>;
  /** Called when the pid or incarnation changes, so the orchestrator can record it. */
  onLaunched: (pid: number) => void;
  /** A warm spare process already running as this host (runtime/spare-host.ts), if one waits. */
  takeSpare?: (hostId: string) => ChildProcess | undefined;
  /** Called after every state change (the node reflects the new state). Must not throw. */
  onTransition?: (proc: HostProcess, from: HostProcessState, to: HostProcessState) => void;
}

/** The states of a host process as its supervisor sees them. */
export type HostProcessState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed' | 'backoff';

export class HostProcess implements Child {
  readonly id: string;
  pid = 0;
  incarnation = '';
  startedAt = 0;
  lastHeartbeat: number | undefined;
  adopted = false;
  private child: ChildProcess | undefined;
  private status: HostProcessState = 'idle';
  private exitListener: ((exit: ChildExit) => void) | undefined;
  private restartCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private backoffDeadline: number | undefined;
  private lastError: string | undefined;
  private firstBeat: (() => void) | undefined;
  private lastMemory: { rss: number; heapUsed: number } | undefined;
  private actors = 0;

  constructor(private readonly options: HostProcessOptions) {
    this.id = options.hostId;
  }

  /** Attaches to a host process found running (by its heartbeat) after an orchestrator restart. */
  adopt(hb: Heartbeat): void {
    this.pid = hb.pid;
    this.incarnation = hb.incarnation;
    this.startedAt = hb.startedAt;
    this.lastHeartbeat = this.options.clock.now();
    this.adopted = true;
    this.setStatus('running');
    this.watch();
  }

  /** Feeds a heartbeat seen on NATS. */
  heartbeat(hb: Heartbeat): void {
    if (hb.pid !== this.pid) return;
    this.lastHeartbeat = this.options.clock.now();
    this.incarnation = hb.incarnation;
    this.lastMemory = hb.memory;
    this.actors = hb.actors;
    this.firstBeat?.();
  }

  async start(): Promise<void> {
    if (this.status === 'running' || this.status === 'starting') return;
    if (this.status !== 'idle') this.restartCount++;
    this.backoffDeadline = undefined;
    this.setStatus('starting');
    const child = this.options.takeSpare?.(this.id) ?? this.spawn();
    this.child = child;
    this.pid = child.pid ?? 0;
    this.adopted = false;
    this.startedAt = this.options.clock.now();
    this.lastHeartbeat = undefined;
    this.options.onLaunched(this.pid);
    child.once('exit', (code, sig) => this.died(`exited with ${sig ?? `code ${code}`}`, child));
    const beat = new Promise<void>((r) => (this.firstBeat = r));
    this.watch();
    await Promise.race([beat, new Promise<void>((r) => child.once('exit', () => r()))]);
    this.firstBeat = undefined;
    if (this.state() === 'starting') this.setStatus('running');
  }

  private spawn(): ChildProcess {
    const { launch } = this.options;
    mkdirSync(launch.logDir, { recursive: true });
    const log = openSync(join(launch.logDir, `${this.id}.log`), 'a');
    const child = spawn(launch.command, launch.args, {
      env: { ...process.env, ...launch.env },
      stdio: launch.ipc ? ['ignore', log, log, 'ipc'] : ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    child.unref();
    if (launch.ipc) (child.channel as { unref?: () => void } | undefined)?.unref?.();
    return child;
  }

  /** Sends `message` with `handle` (a socket) over the IPC channel; false when there is none now. */
  sendHandle(message: string, handle: import('node:net').Socket): boolean {
    const child = this.child;
    if (!child || !child.connected || this.state() !== 'running') return false;
    child.send(message, handle, { keepOpen: false }, (err) => {
      if (err) handle.destroy();
    });
    return true;
  }

  async stop(timeoutMs: number): Promise<void> {
    if (this.status === 'stopped' || this.status === 'idle') return;
    this.setStatus('stopping');
    this.unwatch();
    if (isAlive(this.pid)) {
      await this.options.requestShutdown().catch(() => undefined);
      const deadline = Date.now() + timeoutMs;
      while (isAlive(this.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (isAlive(this.pid)) signal(this.pid, 'SIGKILL');
      while (isAlive(this.pid)) await new Promise((r) => setTimeout(r, 10));
    }
    this.setStatus('stopped');
  }

  kill(_reason: string): void {
    signal(this.pid, 'SIGKILL');
  }

  markBackoff(deadline: number): void {
    if (this.status === 'failed') {
      this.backoffDeadline = deadline;
      this.setStatus('backoff');
    }
  }

  onExit(listener: (exit: ChildExit) => void): void {
    this.exitListener = listener;
  }

  restarts(): number {
    return this.restartCount;
  }

  state(): string {
    return this.status;
  }

  tree(): TreeNode {
    const node: TreeNode = {
      id: this.id,
      role: 'host',
      kind: 'host-process',
      state: this.status,
      hostId: this.id,
      pid: this.pid,
      startedAt: this.startedAt,
      restarts: this.restartCount,
      info: { adopted: this.adopted, incarnation: this.incarnation, lastHeartbeat: this.lastHeartbeat ?? null, actors: this.actors },
    };
    if (this.status === 'running') node.runningSince = this.startedAt;
    if (this.backoffDeadline !== undefined) node.backoffDeadline = this.backoffDeadline;
    if (this.lastError !== undefined) node.lastError = this.lastError;
    if (this.lastMemory) node.memory = this.lastMemory;
    return node;
  }

  /** Stops watching without touching the process (the orchestrator itself is exiting). */
  detach(): void {
    this.unwatch();
  }

  private setStatus(to: HostProcessState): void {
    const from = this.status;
    this.status = to;
    if (from === to) return;
    try {
      this.options.onTransition?.(this, from, to);
    } catch {
      // Observers never affect supervision.
    }
  }

  private watch(): void {
    this.unwatch();
    this.timer = setInterval(() => this.check(), this.options.checkMs);
    this.timer.unref();
  }

  private unwatch(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    if (this.status !== 'running' && this.status !== 'starting') return;
    if (!isAlive(this.pid)) return this.died('process is gone');
    const since = this.lastHeartbeat ?? this.startedAt;
    if (this.options.clock.now() - since > this.options.heartbeatTimeoutMs) {
      signal(this.pid, 'SIGKILL');
      this.died(`no heartbeat for ${this.options.clock.now() - since} ms (killed)`);
    }
  }

  private died(reason: string, child?: ChildProcess): void {
    if (child && child !== this.child) return;
    if (this.status !== 'running' && this.status !== 'starting') return;
    this.unwatch();
    this.lastError = reason;
    this.setStatus('failed');
    this.firstBeat?.();
    this.exitListener?.({ reason: 'failure', error: `host ${this.id} (pid ${this.pid}) ${reason}` });
  }
}
