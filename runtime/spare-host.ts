/**
 * A warm spare host process, kept by the orchestrator so a crashed host comes back without paying
 * for a Node.js start and module loading (≈0.25 s): `definite host --spare` loads every module of
 * a host and waits for one line `{"hostId": ...}` on its stdin, then runs as that host. `take`
 * hands the spare over; the orchestrator prepares the next one shortly after that host runs. A
 * spare whose orchestrator dies sees its stdin close and exits, so spares never outlive the
 * orchestrator that made them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { HostLaunch } from './host-process.js';
import { signal } from './process-util.js';

export class SpareHost {
  private spare: ChildProcess | undefined;
  private closed = false;

  /** `launch` is how a host is launched (its args and env, minus the host id, serve the spare). */
  constructor(private readonly launch: HostLaunch) {}

  /** Starts a spare unless one is waiting. */
  prepare(): void {
    if (this.closed || (this.spare && this.spare.exitCode === null && this.spare.signalCode === null)) return;
    mkdirSync(this.launch.logDir, { recursive: true });
    const log = openSync(join(this.launch.logDir, 'spare.log'), 'a');
    const child = spawn(this.launch.command, [...this.launch.args, '--spare'], {
      env: { ...process.env, ...this.launch.env },
      stdio: ['pipe', log, log],
      detached: true,
    });
    closeSync(log);
    child.unref();
    child.stdin?.on('error', () => undefined);
    // An idle spare must not keep the orchestrator's process alive.
    (child.stdin as unknown as { _handle?: { unref?: () => void } })._handle?.unref?.();
    child.once('exit', () => {
      if (this.spare === child) this.spare = undefined;
    });
    this.spare = child;
  }

  /** Hands the waiting spare over as host `hostId` (or undefined: none is alive). */
  take(hostId: string): ChildProcess | undefined {
    const child = this.spare;
    this.spare = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null || !child.stdin?.writable) return undefined;
    child.stdin.end(`${JSON.stringify({ hostId })}\n`);
    return child;
  }

  /** Kills the waiting spare (the orchestrator is stopping). */
  close(): void {
    this.closed = true;
    if (this.spare?.pid) signal(this.spare.pid, 'SIGKILL');
    this.spare = undefined;
  }
}
