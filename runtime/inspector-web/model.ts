/**
 * The inspector's view of a region, built on the NATS side with the read-only `inspector` user:
 * it subscribes to `dfn.<region>.inspect.>` (lifecycle events, counters, heartbeats,
 * announcements) and requests the supervision tree every `pollMs` (from the orchestrator; when it
 * does not answer, from every host directly). It keeps the last known state of every host and
 * actor, marks what is down or no longer reported as stale instead of dropping it, derives message
 * rates and lag series, and tells its listeners. It only reads: it never publishes anything but the
 * two snapshot requests, and every message it receives is validated before it is used. The rows
 * themselves are kept by RowStore (rows.ts).
 */
import type { Msg } from '@nats-io/transport-node';
import { decode, encode } from '../../protocol/codec.js';
import { Header } from '../../protocol/envelope.js';
import { MessageSet } from '../../protocol/message.js';
import { Announce, CountersReport, Heartbeat, LifecycleEvent, Tree, type TreeNode } from '../../protocol/inspect/messages.js';
import { allInspectSubject, hostsSubject, treeSubject } from '../../protocol/inspect/subjects.js';
import { systemClock, type Clock } from '../clock.js';
import { makeHeaders, Transport } from '../transport.js';
import { EventLog, SeriesStore } from './history.js';
import { RowStore } from './rows.js';
import { lagPoints } from './lag.js';
import type { ActorRow, HostRow, InspectorEvent, InspectorState, LinkStatus, OrchestratorStatus } from './types.js';
import { watchLink } from './link.js';

export interface ModelOptions {
  region: string;
  servers: string | string[];
  user: string;
  pass: string;
  /** How often the tree is requested (and lag sampled). */
  pollMs?: number;
  /** How much lag history is kept for the plot. */
  historyMs?: number;
  clock?: Clock;
}

export interface ModelListener {
  state(state: InspectorState): void;
  event(event: InspectorEvent): void;
}

type Inspect = LifecycleEvent | Heartbeat | Announce | CountersReport;
const inspectMessages = new MessageSet<Inspect>([LifecycleEvent, Heartbeat, Announce, CountersReport]);
const treeReplies = new MessageSet<Tree>([Tree]);

export class InspectorModel {
  readonly events = new EventLog();
  readonly series: SeriesStore;
  private transport: Transport | undefined;
  private readonly clock: Clock;
  private readonly pollMs: number;
  private readonly listeners = new Set<ModelListener>();
  private readonly rows = new RowStore((e) => this.addEvent(e));
  private tree: TreeNode | null = null;
  private treeAt: number | null = null;
  private points: Record<string, [number, number]> = {};
  private nats: LinkStatus;
  private operator: LinkStatus;
  private orchestrator: OrchestratorStatus;
  /** False until the first tree request has been answered or has failed. */
  private orchestratorKnown = false;
  private closed = false;
  private pushTimer: NodeJS.Timeout | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private lastPushAt = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly options: ModelOptions) {
    this.clock = options.clock ?? systemClock;
    this.pollMs = options.pollMs ?? 1000;
    this.series = new SeriesStore(options.historyMs ?? 10 * 60_000);
    const now = this.clock.now();
    this.nats = { state: 'connecting', since: now };
    this.operator = { state: 'connecting', since: now };
    this.orchestrator = { up: false, since: now };
  }

  get region(): string {
    return this.options.region;
  }

  /** Connects (retrying forever in the background) and starts polling. */
  start(): void {
    // Pages hear from the model at least once per tick, even while NATS cannot be reached.
    this.ticker = setInterval(() => {
      if (this.clock.now() - this.lastPushAt >= this.pollMs) this.push();
    }, this.pollMs);
    this.ticker.unref();
    void this.run();
  }

  subscribe(listener: ModelListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The operator connection's state is owned by the actions; shown beside the reader's. */
  setOperatorLink(status: LinkStatus): void {
    this.operator = status;
    this.schedulePush();
  }

  actor(hostId: string, id: string): ActorRow | undefined {
    return this.rows.actor(hostId, id);
  }

  host(hostId: string): HostRow | undefined {
    return this.rows.host(hostId);
  }

  /** The current state, as pushed to pages. */
  state(): InspectorState {
    const now = this.clock.now();
    const down = this.nats.state !== 'connected' ? `NATS ${this.nats.state}` : undefined;
    const { actors, hosts } = this.rows.rows(now, down);
    return {
      at: now,
      region: this.options.region,
      links: { nats: { ...this.nats }, operator: { ...this.operator }, orchestrator: { ...this.orchestrator } },
      tree: this.tree,
      treeAt: this.treeAt,
      hosts,
      actors,
      series: this.series.list(),
      points: this.points,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pushTimer) clearTimeout(this.pushTimer);
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    if (this.ticker) clearInterval(this.ticker);
    this.wake?.();
    await this.transport?.close().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const t = await Transport.connect({
      servers: this.options.servers,
      name: 'inspector',
      user: this.options.user,
      pass: this.options.pass,
      timeoutMs: 3000,
    }).catch((err: Error) => {
      this.nats = { state: 'closed', since: this.clock.now(), error: err.message };
      this.schedulePush();
      return undefined;
    });
    if (!t) return;
    if (this.closed) return void (await t.close());
    this.transport = t;
    this.setNats({ state: 'connected', since: this.clock.now() });
    watchLink(t, this.clock, (status) => this.setNats(status));
    t.subscribe(allInspectSubject(this.options.region), (msg) => this.onInspect(msg));
    while (!this.closed) {
      await this.poll().catch(() => undefined);
      await new Promise<void>((r) => {
        this.wake = r;
        this.sleepTimer = setTimeout(r, this.pollMs);
      });
    }
  }

  private setNats(status: LinkStatus): void {
    const was = this.nats.state;
    this.nats = status;
    if (was !== status.state && (status.state === 'disconnected' || (status.state === 'connected' && was !== 'connecting'))) {
      this.addEvent({ source: 'nats', from: was, to: status.state, detail: status.state === 'connected' ? 'reconnected to NATS' : `lost NATS${status.error ? `: ${status.error}` : ''}` });
    }
    this.schedulePush();
  }

  /** One tick: the tree (orchestrator, else every host), lag samples, a state push. */
  private async poll(): Promise<void> {
    const t = this.transport;
    if (!t || this.nats.state !== 'connected') return this.push();
    const requestedAt = this.clock.now();
    let root: TreeNode;
    try {
      root = (await t.request(treeSubject(this.options.region), { type: 'GetTree' }, { timeoutMs: 4000, replies: treeReplies })).root;
      this.setOrchestrator(true);
    } catch (err) {
      this.setOrchestrator(false, (err as Error).message);
      root = await this.hostsDirectly(t);
    }
    const now = this.clock.now();
    this.tree = root;
    this.treeAt = now;
    this.rows.applyTree(root, requestedAt, now);
    this.sample();
    this.push();
  }

  private async hostsDirectly(t: Transport): Promise<TreeNode> {
    const children: TreeNode[] = [];
    try {
      const replies = await t.nc.requestMany(hostsSubject(this.options.region), encode({ type: 'GetTree' }), {
        strategy: 'stall',
        stall: 400,
        maxWait: 2000,
        headers: makeHeaders('GetTree'),
      });
      for await (const m of replies) {
        try {
          children.push(treeReplies.validate(decode(m.data), m.headers?.get(Header.Type) || undefined).root);
        } catch {
          // an invalid reply is skipped
        }
      }
    } catch {
      // nobody answered
    }
    return { id: this.options.region, role: 'region', kind: 'region', state: 'orchestrator down', restarts: 0, children };
  }

  private setOrchestrator(up: boolean, error?: string): void {
    const first = !this.orchestratorKnown;
    this.orchestratorKnown = true;
    if (up === this.orchestrator.up && !first) return;
    const now = this.clock.now();
    this.orchestrator = { up, since: now, ...(error ? { error } : {}) };
    if (first && up) return this.schedulePush();
    this.addEvent({ source: 'orchestrator', from: up ? 'down' : 'up', to: up ? 'up' : 'down', detail: up ? 'the orchestrator answers' : `the orchestrator does not answer: ${error ?? ''}` });
  }

  private sample(): void {
    const now = this.clock.now();
    const points: Record<string, [number, number]> = {};
    for (const row of this.rows.live()) {
      for (const p of lagPoints(row, now)) {
        if (this.series.add(p.series, now, p.lagMs)) points[p.series.key] = [now, Math.round(p.lagMs)];
      }
    }
    this.series.prune(now);
    this.points = points;
  }

  private onInspect(msg: Msg): void {
    let m: Inspect;
    try {
      const body = decode(msg.data);
      const type = msg.headers?.get(Header.Type) || (body as { type?: unknown })?.type;
      if (typeof type !== 'string' || !inspectMessages.has(type)) return;
      m = inspectMessages.validate(body, type);
    } catch {
      return; // not for us, or malformed: inspection input never breaks the inspector
    }
    const now = this.clock.now();
    switch (m.type) {
      case 'LifecycleEvent':
        return this.rows.lifecycle(m, now);
      case 'Heartbeat':
        return this.rows.heartbeat(m, now);
      case 'Announce':
        return this.rows.announce(m);
      case 'CountersReport':
        return this.rows.counters(m, now);
      default:
        return assertNever(m);
    }
  }

  private addEvent(event: Omit<InspectorEvent, 'seq' | 'at'> & { at?: number }): void {
    const e = this.events.add({ at: this.clock.now(), ...event } as Omit<InspectorEvent, 'seq'>);
    for (const l of this.listeners) safely(() => l.event(e));
    this.schedulePush();
  }

  /** Pushes the state soon (coalescing bursts of events into one push). */
  private schedulePush(): void {
    if (this.pushTimer || this.closed) return;
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      this.push();
    }, 100);
    this.pushTimer.unref();
  }

  private push(): void {
    this.lastPushAt = this.clock.now();
    if (this.listeners.size === 0) return;
    const s = this.state();
    for (const l of this.listeners) safely(() => l.state(s));
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // a failing listener (a closed page) never stops the model
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled inspection message ${JSON.stringify(x)}`);
}
