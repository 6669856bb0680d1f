/**
 * The supervisor, with Erlang/OTP semantics: strategies one_for_one, one_for_all and
 * rest_for_one; restart intensity (at most `intensity` restarts within `periodMs`, else the
 * supervisor stops its children and fails, escalating to its own parent); child restart types
 * permanent, transient and temporary; shutdown timeout then kill. Restarts are delayed by Pekko-style
 * exponential backoff with jitter that resets once a child has run quietly for a while.
 * Supervisors are plain runtime code (not xstate parents) and are themselves Children, so trees nest.
 */
import type { TreeNode } from '../protocol/inspect/messages.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import type { Child, ChildExit, RestartType } from './child.js';
import type { Clock, TimerHandle } from './clock.js';
import type { Random } from './random.js';

export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

export interface SupervisorOptions {
  strategy: Strategy;
  /** Maximum restarts within `periodMs` before the supervisor gives up and escalates. */
  intensity: number;
  periodMs: number;
  backoff: BackoffOptions;
}

export const DEFAULT_SUPERVISOR: SupervisorOptions = { strategy: 'one_for_one', intensity: 10, periodMs: 60_000, backoff: DEFAULT_BACKOFF };

export interface ChildSpec {
  child: Child;
  restart: RestartType;
  /** How long a clean stop may take before the child is killed. */
  shutdownMs: number;
}

interface Entry {
  spec: ChildSpec;
  attempt: number;
  lastStart: number;
  pending: TimerHandle | undefined;
}

type SupervisorState = 'idle' | 'running' | 'stopping' | 'stopped' | 'failed' | 'backoff';

/** Observes a supervisor's decisions (for inspection events and tests). */
export interface SupervisorObserver {
  restarting?(supervisor: Supervisor, childIds: string[], delayMs: number, reason: string): void;
  escalating?(supervisor: Supervisor, reason: string): void;
}

export class Supervisor implements Child {
  readonly id: string;
  readonly options: SupervisorOptions;
  private readonly entries: Entry[] = [];
  private restartTimes: number[] = [];
  private status: SupervisorState = 'idle';
  private exitListener: ((exit: ChildExit) => void) | undefined;
  private restartCount = 0;
  private backoffDeadline: number | undefined;
  private lastError: string | undefined;
  private runningSince: number | undefined;
  readonly kind: string;
  observer: SupervisorObserver | undefined;

  constructor(
    id: string,
    options: Partial<SupervisorOptions>,
    private readonly clock: Clock,
    private readonly random: Random,
    kind = 'supervisor',
  ) {
    this.id = id;
    this.kind = kind;
    this.options = { ...DEFAULT_SUPERVISOR, ...options, backoff: { ...DEFAULT_BACKOFF, ...(options.backoff ?? {}) } };
  }

  /** The children, in start order. */
  children(): Child[] {
    return this.entries.map((e) => e.spec.child);
  }

  child(id: string): Child | undefined {
    return this.entries.find((e) => e.spec.child.id === id)?.spec.child;
  }

  /** Adds a child; starts it at once when the supervisor is running (OTP start_child). */
  async add(spec: ChildSpec): Promise<void> {
    if (this.entries.some((e) => e.spec.child.id === spec.child.id)) throw new Error(`duplicate child ${spec.child.id}`);
    const entry: Entry = { spec, attempt: 0, lastStart: 0, pending: undefined };
    this.entries.push(entry);
    spec.child.onExit((exit) => this.onChildExit(entry, exit));
    if (this.status === 'running') await this.startEntry(entry);
  }

  /** Stops a child cleanly and removes it (OTP terminate_child + delete_child). */
  async remove(id: string): Promise<boolean> {
    const i = this.entries.findIndex((e) => e.spec.child.id === id);
    if (i < 0) return false;
    const entry = this.entries[i]!;
    this.entries.splice(i, 1);
    entry.pending?.cancel();
    await entry.spec.child.stop(entry.spec.shutdownMs);
    return true;
  }

  /** Stops a child cleanly and starts it again now (counts against intensity like any restart). */
  async restartChild(id: string): Promise<boolean> {
    const entry = this.entries.find((e) => e.spec.child.id === id);
    if (!entry) return false;
    entry.pending?.cancel();
    entry.pending = undefined;
    await entry.spec.child.stop(entry.spec.shutdownMs);
    await this.startEntry(entry);
    return true;
  }

  async start(): Promise<void> {
    if (this.status === 'running') return;
    if (this.status !== 'idle') this.restartCount++;
    this.status = 'running';
    this.restartTimes = [];
    this.backoffDeadline = undefined;
    this.runningSince = this.clock.now();
    for (const entry of [...this.entries]) {
      if (this.status !== 'running') return;
      await this.startEntry(entry);
    }
  }

  async stop(_timeoutMs?: number): Promise<void> {
    if (this.status === 'stopped') return;
    this.status = 'stopping';
    await this.stopEntries([...this.entries]);
    this.status = 'stopped';
    this.runningSince = undefined;
  }

  kill(reason: string): void {
    void this.escalate(`killed: ${reason}`);
  }

  markBackoff(deadline: number): void {
    if (this.status === 'failed') {
      this.status = 'backoff';
      this.backoffDeadline = deadline;
    }
  }

  onExit(listener: (exit: ChildExit) => void): void {
    this.exitListener = listener;
  }

  restarts(): number {
    return this.restartCount;
  }

  /** Restarts counted in the current period. */
  restartsInWindow(): number {
    const now = this.clock.now();
    return this.restartTimes.filter((t) => t > now - this.options.periodMs).length;
  }

  state(): SupervisorState {
    return this.status;
  }

  tree(): TreeNode {
    const node: TreeNode = {
      id: this.id,
      role: 'supervisor',
      kind: this.kind,
      state: this.status,
      strategy: this.options.strategy,
      intensity: this.options.intensity,
      periodMs: this.options.periodMs,
      restarts: this.restartCount,
      restartsInWindow: this.restartsInWindow(),
      children: this.entries.map((e) => ({ ...e.spec.child.tree(), restartType: e.spec.restart })),
    };
    if (this.runningSince !== undefined) node.runningSince = this.runningSince;
    if (this.backoffDeadline !== undefined) node.backoffDeadline = this.backoffDeadline;
    if (this.lastError !== undefined) node.lastError = this.lastError;
    return node;
  }

  private async startEntry(entry: Entry): Promise<void> {
    entry.pending = undefined;
    entry.lastStart = this.clock.now();
    await entry.spec.child.start();
  }

  private async stopEntries(entries: Entry[]): Promise<void> {
    for (const entry of [...entries].reverse()) {
      entry.pending?.cancel();
      entry.pending = undefined;
      await entry.spec.child.stop(entry.spec.shutdownMs);
    }
  }

  private onChildExit(entry: Entry, exit: ChildExit): void {
    if (this.status !== 'running' || !this.entries.includes(entry)) return;
    const { restart } = entry.spec;
    if (restart === 'temporary' || (restart === 'transient' && exit.reason === 'normal')) {
      if (restart === 'temporary') this.entries.splice(this.entries.indexOf(entry), 1);
      return;
    }
    const reason = exit.reason === 'failure' ? exit.error : 'exited';
    const now = this.clock.now();
    this.restartTimes = this.restartTimes.filter((t) => t > now - this.options.periodMs);
    this.restartTimes.push(now);
    if (this.restartTimes.length > this.options.intensity) {
      void this.escalate(
        `restart intensity exceeded: ${this.restartTimes.length} restarts within ${this.options.periodMs} ms (limit ${this.options.intensity}); last: ${entry.spec.child.id}: ${reason}`,
      );
      return;
    }
    if (now - entry.lastStart >= this.options.backoff.resetAfterMs) entry.attempt = 0;
    const delay = backoffDelay(this.options.backoff, entry.attempt++, this.random);
    const deadline = now + delay;
    const i = this.entries.indexOf(entry);
    const group =
      this.options.strategy === 'one_for_one' ? [entry] : this.options.strategy === 'one_for_all' ? [...this.entries] : this.entries.slice(i);
    this.observer?.restarting?.(this, group.map((e) => e.spec.child.id), delay, reason);
    void (async () => {
      const others = group.filter((e) => e !== entry);
      await this.stopEntries(others);
      entry.spec.child.markBackoff(deadline);
      const timer = this.clock.setTimeout(() => {
        void (async () => {
          for (const e of group) {
            if (this.status !== 'running' || !this.entries.includes(e)) continue;
            await this.startEntry(e);
          }
        })();
      }, delay);
      entry.pending = timer;
      for (const e of others) e.pending = timer;
    })();
  }

  private async escalate(reason: string): Promise<void> {
    if (this.status !== 'running') return;
    this.lastError = reason;
    this.observer?.escalating?.(this, reason);
    this.status = 'stopping';
    await this.stopEntries([...this.entries]);
    this.status = 'failed';
    this.runningSince = undefined;
    this.exitListener?.({ reason: 'failure', error: reason });
  }
}
