/**
 * The process orchestrator: starts host processes as detached children, records them durably,
 * restarts a host that dies (through a one_for_one supervisor, with backoff and intensity), and
 * after its own restart adopts the hosts still running (found by their heartbeats) instead of
 * restarting them, so their actors never notice. It answers `dfn.<region>.sys.orchestrator` and
 * the region-wide tree request `dfn.<region>.inspect.tree` (its hosts, plus the hosts it does not
 * manage but hears heartbeating, such as the environment process's in-process host), and publishes
 * every host process state change as an inspection event.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { decode } from '../protocol/codec.js';
import { Header } from '../protocol/envelope.js';
import { DefiniteError, ErrorCode, InvalidRequestError, isErrorCode, NotFoundError } from '../protocol/errors.js';
import { decodeMessage, MessageSet } from '../protocol/message.js';
import { hostSubject, orchestratorSubject } from '../protocol/subjects.js';
import { allHeartbeatsSubject, treeSubject } from '../protocol/inspect/subjects.js';
import { Heartbeat, type TreeNode } from '../protocol/inspect/messages.js';
import { HostTree, ORCHESTRATOR_COMMANDS, type ActorSpec, type HostRecord, type OrchestratorCommand } from '../protocol/sys/messages.js';
import { systemClock, type Clock } from './clock.js';
import { defaultRandom, type Random } from './random.js';
import { DEFAULT_BACKOFF } from './backoff.js';
import { DurableStore, type ActorStore } from './store.js';
import { Supervisor, type SupervisorOptions } from './supervisor.js';
import { Transport } from './transport.js';
import { HostProcess, type HostLaunch } from './host-process.js';
import { SpareHost } from './spare-host.js';
import { isAlive } from './process-util.js';
import { ProcessInspector } from './inspector.js';

export interface OrchestratorOptions {
  region: string;
  servers: string | string[];
  user?: string | undefined;
  pass?: string | undefined;
  dataDir: string;
  /** How to launch host `hostId` (command, args, env, log dir). */
  launchHost: (hostId: string) => HostLaunch;
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
  /** How long to listen for heartbeats of recorded hosts before starting the missing ones. */
  adoptWindowMs?: number;
  clock?: Clock;
  random?: Random;
  supervisor?: Partial<SupervisorOptions>;
}

interface StoredHost {
  hostId: string;
  actors: ActorSpec[];
  pid: number;
}

/** How long after a host reached `running` the next spare host process is started. */
const SPARE_DELAY_MS = 250;

const heartbeats = new MessageSet<Heartbeat>([Heartbeat]);
/** How long a StartActor waits for its reply, and how long one is retried while nobody answers. */
const START_ACTOR_MS = 30_000;
const hostTreeReply = new MessageSet<HostTree>([HostTree]);

export class Orchestrator {
  readonly transport: Transport;
  readonly supervisor: Supervisor;
  readonly startedAt: number;
  private readonly records: ActorStore;
  private readonly procs = new Map<string, HostProcess>();
  /** A warm spare host process, so a crashed host comes back without a cold Node.js start. */
  private spare: SpareHost | undefined;
  private readonly seen = new Map<string, Heartbeat>();
  private readonly commands = new MessageSet<OrchestratorCommand>(ORCHESTRATOR_COMMANDS);
  private subs: Subscription[] = [];
  private readonly clock: Clock;
  private readonly inspector: ProcessInspector;
  /** Hosts adopted at the last start (not restarted). */
  readonly adoptedAtStart: string[] = [];
  /** Called after a Shutdown command has stopped everything. */
  onShutdown: (() => void) | undefined;

  private constructor(
    private readonly options: OrchestratorOptions,
    private readonly store: DurableStore,
    transport: Transport,
  ) {
    this.transport = transport;
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.records = store.actor('orchestrator/hosts');
    this.inspector = new ProcessInspector(transport, options.region, this.clock);
    this.supervisor = new Supervisor(
      'orchestrator',
      // A host's first crash after 5 s of quiet is restarted at once; backoff from the second.
      { strategy: 'one_for_one', intensity: 20, periodMs: 60_000, backoff: { ...DEFAULT_BACKOFF, immediateFirst: true, resetAfterMs: 5_000 }, ...options.supervisor },
      this.clock,
      options.random ?? defaultRandom(),
      'orchestrator',
    );
  }

  static async start(options: OrchestratorOptions): Promise<Orchestrator> {
    const dir = join(options.dataDir, 'orchestrator');
    mkdirSync(dir, { recursive: true });
    const store = await DurableStore.open(dir);
    const transport = await Transport.connect({ servers: options.servers, name: 'orchestrator', user: options.user, pass: options.pass });
    const o = new Orchestrator(options, store, transport);
    await o.boot();
    return o;
  }

  private async boot(): Promise<void> {
    this.subs.push(this.transport.subscribe(allHeartbeatsSubject(this.options.region), (msg) => this.onHeartbeat(msg)));
    const stored: StoredHost[] = [];
    for await (const [, rec] of this.records.entries<StoredHost>()) stored.push(rec);
    if (stored.length > 0) {
      const hb = this.options.heartbeatMs ?? 500;
      const window = this.options.adoptWindowMs ?? Math.max(1500, 3 * hb);
      const end = this.clock.now() + window;
      while (this.clock.now() < end && !stored.every((s) => this.seen.has(s.hostId))) await new Promise((r) => setTimeout(r, 20));
    }
    await this.supervisor.start();
    for (const rec of stored) {
      const proc = this.makeProcess(rec.hostId);
      const hb = this.seen.get(rec.hostId);
      if (hb && isAlive(hb.pid)) {
        proc.adopt(hb);
        this.adoptedAtStart.push(rec.hostId);
      }
      await this.supervisor.add({ child: proc, restart: 'permanent', shutdownMs: 15_000 });
    }
    this.subs.push(this.transport.subscribe(orchestratorSubject(this.options.region), (msg) => void this.onCommand(msg)));
    this.subs.push(this.transport.subscribe(treeSubject(this.options.region), (msg) => void this.onTree(msg)));
  }

  /** Starts (or finds) host `hostId` and starts `actors` on it. */
  async startHost(hostId: string, actors: ActorSpec[]): Promise<void> {
    const existing = (await this.records.get<StoredHost>(hostId)) ?? { hostId, actors: [], pid: 0 };
    const byId = new Map(existing.actors.map((a) => [a.id, a]));
    for (const a of actors) byId.set(a.id, a);
    existing.actors = [...byId.values()];
    await this.records.batch([{ type: 'put', key: hostId, value: existing }]);
    if (!this.procs.has(hostId)) {
      await this.supervisor.add({ child: this.makeProcess(hostId), restart: 'permanent', shutdownMs: 15_000 });
    }
    for (const actor of actors) await this.startActorOn(hostId, actor);
  }

  /**
   * StartActor on host `hostId`, asked again while nobody answers its subject (NoResponders) for
   * up to START_ACTOR_MS: a host being launched, or one whose connection is down for a moment (a
   * NATS restart, a slow-consumer reconnect), subscribes again soon, and StartActor is
   * idempotent. (An environment process that restarted exited on one NoResponders here, and with
   * it the orchestrator: test/runtime/processes.test.ts 04.)
   */
  private async startActorOn(hostId: string, actor: ActorSpec): Promise<void> {
    const end = Date.now() + START_ACTOR_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.transport.request(hostSubject(this.options.region, hostId), { type: 'StartActor', actor }, { timeoutMs: START_ACTOR_MS });
        return;
      } catch (err) {
        if (!isErrorCode(err, ErrorCode.NoResponders) || Date.now() >= end || !this.procs.has(hostId)) throw err;
        await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** Math.min(attempt, 6))));
      }
    }
  }

  async stopHost(hostId: string): Promise<void> {
    if (!this.procs.has(hostId)) throw new NotFoundError(`no host "${hostId}"`);
    await this.records.batch([{ type: 'del', key: hostId }]);
    this.procs.delete(hostId);
    await this.supervisor.remove(hostId);
  }

  /** The process of host `hostId`, if the orchestrator supervises one. */
  processOf(hostId: string): HostProcess | undefined {
    return this.procs.get(hostId);
  }

  killHost(hostId: string): void {
    const proc = this.procs.get(hostId);
    if (!proc) throw new NotFoundError(`no host "${hostId}"`);
    proc.kill('killed by request');
  }

  hosts(): HostRecord[] {
    return [...this.procs.values()].map((p) => ({
      hostId: p.id,
      pid: p.pid,
      incarnation: p.incarnation,
      startedAt: p.startedAt,
      restarts: p.restarts(),
      state: p.state(),
      ...(p.lastHeartbeat !== undefined ? { lastHeartbeat: p.lastHeartbeat } : {}),
      adopted: p.adopted,
    }));
  }

  /** The whole region's tree: the orchestrator, its hosts, and each host's own subtree. */
  async tree(): Promise<TreeNode> {
    const hosts = await Promise.all(
      [...this.procs.values()].map(async (p) => {
        const node = p.tree();
        if (p.state() !== 'running') return node;
        try {
          const reply = await this.transport.request(hostSubject(this.options.region, p.id), { type: 'GetHostTree' }, { timeoutMs: 2000, replies: hostTreeReply });
          return { ...reply.root, ...node, info: { ...(reply.root.info ?? {}), ...(node.info ?? {}) }, children: reply.root.children ?? [] } as TreeNode;
        } catch {
          return node;
        }
      }),
    );
    const sup = this.supervisor.tree();
    return {
      id: this.options.region,
      role: 'region',
      kind: 'region',
      state: 'running',
      restarts: 0,
      children: [{ ...sup, role: 'orchestrator', pid: process.pid, startedAt: this.startedAt, children: hosts }, ...(await this.unmanagedHosts())],
    };
  }

  /** Subtrees of hosts heartbeating in this region that no process of ours supervises (e.g. `env`). */
  private async unmanagedHosts(): Promise<TreeNode[]> {
    const fresh = this.clock.now() - (this.options.heartbeatTimeoutMs ?? 10_000);
    const others = [...this.seen.values()].filter((hb) => !this.procs.has(hb.hostId) && hb.at >= fresh);
    const nodes = await Promise.all(
      others.map(async (hb) => {
        try {
          const reply = await this.transport.request(hostSubject(this.options.region, hb.hostId), { type: 'GetHostTree' }, { timeoutMs: 2000, replies: hostTreeReply });
          return reply.root;
        } catch {
          return undefined;
        }
      }),
    );
    return nodes.filter((n): n is TreeNode => n !== undefined);
  }

  /** Stops every host cleanly, then closes. */
  async shutdown(): Promise<void> {
    await this.supervisor.stop();
    await this.close();
  }

  /** Closes NATS and LevelDB without touching the hosts (they keep running). */
  async close(): Promise<void> {
    for (const p of this.procs.values()) p.detach();
    this.spare?.close();
    for (const s of this.subs) s.unsubscribe();
    await this.transport.close();
    await this.store.close();
  }

  /** Keeps a spare when hosts are `definite host` processes (the spare protocol) and DFN_SPARE_HOST != 0. */
  private prepareSpare(launch: HostLaunch): void {
    const definiteHost = /definite\.js$/.test(launch.args[0] ?? '') && launch.args[1] === 'host';
    if (!definiteHost || process.env['DFN_SPARE_HOST'] === '0') return;
    this.spare ??= new SpareHost(launch);
    this.spare.prepare();
  }

  private makeProcess(hostId: string): HostProcess {
    const launch = this.options.launchHost(hostId);
    const proc = new HostProcess({
      hostId,
      launch,
      // A spare is a `definite host`: never for a launch of another kind (a front-end process).
      takeSpare: (id) => (launch.ipc || launch.args.includes('frontend') ? undefined : this.spare?.take(id)),
      clock: this.clock,
      heartbeatTimeoutMs: this.options.heartbeatTimeoutMs ?? 10_000,
      checkMs: Math.max(50, Math.floor((this.options.heartbeatMs ?? 500) / 2)),
      requestShutdown: async () => {
        await this.transport.request(hostSubject(this.options.region, hostId), { type: 'ShutdownHost' }, { timeoutMs: 2000 });
      },
      onTransition: (p, from, to) => {
        this.inspector.hostTransition(p.tree(), from, to);
        // Once a host runs, have a spare ready for its next crash: started a little after, not
        // beside, it, so its Node.js start does not compete with the host's first work.
        if (to === 'running') setTimeout(() => this.prepareSpare(launch), SPARE_DELAY_MS).unref();
        if (to === 'running' && from === 'starting') void this.startRecordedActors(hostId);
      },
      onLaunched: (pid) => {
        void this.records.get<StoredHost>(hostId).then((rec) => {
          if (rec) return this.records.batch([{ type: 'put', key: hostId, value: { ...rec, pid } }]);
          return undefined;
        });
      },
    });
    this.procs.set(hostId, proc);
    return proc;
  }

  /**
   * Sends StartActor for every actor recorded with host `hostId` to a process just launched for
   * it. A host recovers its actors from its own data dir, and StartActor is idempotent, so this
   * changes nothing then; but a host started on an empty data dir (its old one lost, or a host on
   * another machine taking over: with DFN_STORAGE=jetstream its actors' state is in JetStream,
   * docs/storage.md "What state lives where") starts them again from this record.
   */
  private async startRecordedActors(hostId: string): Promise<void> {
    const rec = await this.records.get<StoredHost>(hostId).catch(() => undefined);
    for (const actor of rec?.actors ?? []) {
      if (this.procs.get(hostId)?.state() !== 'running') return;
      await this.startActorOn(hostId, actor).catch(() => undefined);
    }
  }

  private onHeartbeat(msg: Msg): void {
    try {
      const hb = heartbeats.validate(decode(msg.data), msg.headers?.get(Header.Type) || undefined) as Heartbeat;
      this.seen.set(hb.hostId, hb);
      this.procs.get(hb.hostId)?.heartbeat(hb);
    } catch {
      // A malformed heartbeat is ignored: it cannot change what the orchestrator does.
    }
  }

  private async onTree(msg: Msg): Promise<void> {
    this.transport.respond(msg, { type: 'Tree', at: this.clock.now(), root: await this.tree() });
  }

  private async onCommand(msg: Msg): Promise<void> {
    try {
      const cmd = decodeMessage(this.commands, msg.data, {
        maxPayload: this.transport.maxPayload,
        headerType: msg.headers?.get(Header.Type),
        headerVersion: msg.headers?.get(Header.Version),
      });
      switch (cmd.type) {
        case 'StartHost':
          await this.startHost(cmd.hostId, cmd.actors);
          return this.transport.respond(msg, { type: 'Ok' });
        case 'StopHost':
          await this.stopHost(cmd.hostId);
          return this.transport.respond(msg, { type: 'Ok' });
        case 'KillHost':
          this.killHost(cmd.hostId);
          return this.transport.respond(msg, { type: 'Ok' });
        case 'ListHosts':
          return this.transport.respond(msg, { type: 'HostList', hosts: this.hosts() });
        case 'Shutdown':
          await this.shutdownFromRequest(msg);
          return;
        default:
          return assertNever(cmd);
      }
    } catch (err) {
      this.transport.respondError(msg, err instanceof DefiniteError ? err : new InvalidRequestError((err as Error).message));
    }
  }

  private async shutdownFromRequest(msg: Msg): Promise<void> {
    await this.supervisor.stop();
    this.transport.respond(msg, { type: 'Ok', detail: 'stopped' });
    await this.transport.nc.flush().catch(() => undefined);
    await this.close();
    this.onShutdown?.();
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled command ${JSON.stringify(x)}`);
}
