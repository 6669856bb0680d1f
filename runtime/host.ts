/**
 * A host process's actor system: one LevelDB (a sublevel per actor), one NATS connection named
 * `host:<id>`, a root supervisor with one supervisor per layer, and the actors it runs. The host
 * records its actors durably, so after a crash it starts them again and each recovers its own
 * state. It answers runtime commands on `dfn.<region>.sys.host.<id>`, the region-wide tree request,
 * and heartbeats. The host knows actor kinds only through the registry it is given.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { decodeMessage, MessageSet } from '../protocol/message.js';
import { Header } from '../protocol/envelope.js';
import { DefiniteError, InvalidRequestError, NotFoundError } from '../protocol/errors.js';
import { actorSubject, hostSubject, type Layer } from '../protocol/subjects.js';
import { heartbeatSubject, hostsSubject } from '../protocol/inspect/subjects.js';
import { Heartbeat, type TreeNode } from '../protocol/inspect/messages.js';
import { decode } from '../protocol/codec.js';
import { HOST_COMMANDS, type ActorSpec, type HostCommand } from '../protocol/sys/messages.js';
import { ActorCell, type ActorFactory } from './actor.js';
import type { RestartType } from './child.js';
import { systemClock, type Clock } from './clock.js';
import { defaultRandom, type Random } from './random.js';
import { DurableStore, type ActorStore } from './store.js';
import { Supervisor, type SupervisorOptions } from './supervisor.js';
import { Transport } from './transport.js';
import { HostInspector } from './inspector.js';

/** An actor kind the host can run. */
export interface ActorKind {
  kind: string;
  layer: Layer;
  create: ActorFactory;
  restart?: RestartType;
  shutdownMs?: number;
  /** The actor's subject; defaults to `dfn.<region>.<layer>.<kind>.<id>`. */
  subject?: (region: string, id: string) => string;
}

export interface HostOptions {
  hostId: string;
  region: string;
  servers: string | string[];
  user?: string | undefined;
  pass?: string | undefined;
  dataDir: string;
  kinds: ActorKind[];
  sync?: boolean;
  heartbeatMs?: number;
  clock?: Clock;
  random?: Random;
  supervisor?: Partial<SupervisorOptions>;
  /** Called when the root supervisor escalates (its intensity was exceeded). */
  onEscalate?: (reason: string) => void;
  maxPayload?: number;
  /**
   * Called once when this host process learns it was replaced by a newer one under the same host
   * id (an actor's shared state was fenced, or, with `watchSuccessors`, a later-started process
   * heartbeats as this host). Default: the host crashes (connections closed, no stop hooks).
   * `definite host` exits the process.
   */
  onSuperseded?: (reason: string) => void;
  /**
   * Watch this host id's heartbeats: one from another incarnation that started later means this
   * process is a zombie (SIGSTOPped, partitioned) whose successor took over; it is superseded.
   * On with the JetStream backend, where a successor needs no data of this process.
   */
  watchSuccessors?: boolean;
}

const HOST_KEY_PREFIX = 'actor/';
const heartbeats = new MessageSet<Heartbeat>([Heartbeat]);

export class Host {
  readonly hostId: string;
  readonly region: string;
  readonly incarnation = randomUUID();
  readonly startedAt: number;
  readonly store: DurableStore;
  readonly transport: Transport;
  readonly root: Supervisor;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly kinds = new Map<string, ActorKind>();
  private readonly layerSupervisors = new Map<string, Supervisor>();
  private readonly cells = new Map<string, ActorCell>();
  private readonly records: ActorStore;
  private readonly inspector: HostInspector;
  private readonly commands = new MessageSet<HostCommand>(HOST_COMMANDS);
  private subs: Subscription[] = [];
  private readonly spawner = {
    spawn: async (spec: ActorSpec, options?: { durable?: boolean }) => {
      await this.startHere(spec, options);
    },
    stopActor: (id: string) => this.stopActor(id),
  };
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  /** Starts in flight, by actor id. */
  private readonly starting = new Map<string, Promise<ActorCell>>();
  /** Set once this process learnt it was replaced (see `HostOptions.onSuperseded`). */
  supersededBy: string | undefined;

  private constructor(
    private readonly options: HostOptions,
    store: DurableStore,
    transport: Transport,
  ) {
    this.hostId = options.hostId;
    this.region = options.region;
    this.store = store;
    this.transport = transport;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? defaultRandom();
    this.startedAt = this.clock.now();
    for (const k of options.kinds) this.kinds.set(k.kind, k);
    this.records = store.actor('host');
    this.inspector = new HostInspector(transport, this.region, this.hostId, this.clock);
    this.root = new Supervisor(`host-${this.hostId}`, { strategy: 'one_for_one', ...options.supervisor }, this.clock, this.random, 'host-root');
    this.root.onExit((exit) => {
      if (exit.reason === 'failure') options.onEscalate?.(exit.error);
    });
  }

  /** Opens the store, connects, starts every recorded actor, and starts serving. */
  static async start(options: HostOptions): Promise<Host> {
    const dir = join(options.dataDir, 'hosts', options.hostId);
    mkdirSync(dir, { recursive: true });
    // LevelDB and NATS are opened at once: a restarting host waits for the slower, not the sum.
    // If one of them fails, the other is closed again (a LevelDB lock left held would refuse the
    // next start of this host in the same process).
    const opening = [
      DurableStore.open(dir, { sync: options.sync ?? true }),
      Transport.connect({
        servers: options.servers,
        name: `host:${options.hostId}`,
        user: options.user,
        pass: options.pass,
        ...(options.maxPayload !== undefined ? { maxPayload: options.maxPayload } : {}),
      }),
    ] as const;
    const [opened, connected] = await Promise.allSettled(opening);
    if (opened.status === 'rejected' || connected.status === 'rejected') {
      if (opened.status === 'fulfilled') await opened.value.close().catch(() => undefined);
      if (connected.status === 'fulfilled') await connected.value.close().catch(() => undefined);
      throw opened.status === 'rejected' ? opened.reason : (connected as PromiseRejectedResult).reason;
    }
    const store = opened.value;
    const transport = connected.value;
    const host = new Host(options, store, transport);
    await host.root.start();
    // Read every record first: an actor recovering may spawn another recorded actor (a coordinator
    // its timeline), which must then not be launched a second time.
    const recorded: ActorSpec[] = [];
    for await (const [, spec] of host.records.entries<ActorSpec>({ gte: HOST_KEY_PREFIX, lt: HOST_KEY_PREFIX + '\xff' })) recorded.push(spec);
    for (const spec of recorded) if (!host.cells.has(spec.id)) await host.launch(spec);
    host.serve(options.heartbeatMs ?? 500);
    return host;
  }

  /**
   * Starts an actor (idempotent for the same kind and id). A durable actor (the default) is recorded
   * and started again after a host restart; an ephemeral one (e.g. a client session) is not.
   * Resolves once the actor is reachable from any connection: the flush's round trip means the
   * server has its subscription (under a loaded CI run, the first request of
   * test/control/timeline.test.ts, sent right after this, got NoResponders without it).
   */
  async startActor(spec: ActorSpec, options: { durable?: boolean } = {}): Promise<ActorCell> {
    const cell = await this.startHere(spec, options);
    await this.transport.nc.flush().catch(() => undefined);
    return cell;
  }

  /**
   * `startActor` without the flush, for callers that answer over this host's connection once it
   * resolves (StartActor, a spawn): NATS keeps one connection's order, so the subscription reaches
   * the server before the answer does.
   */
  private startHere(spec: ActorSpec, options: { durable?: boolean } = {}): Promise<ActorCell> {
    // Two StartActor for one id at once (a controller's retry beside its re-placement, the
    // orchestrator's re-send) start it once: the second waits for the first.
    const inFlight = this.starting.get(spec.id);
    if (inFlight) return inFlight.then((cell) => this.checkKind(cell, spec));
    const run = this.startOnce(spec, options).finally(() => this.starting.delete(spec.id));
    this.starting.set(spec.id, run);
    return run;
  }

  private checkKind(cell: ActorCell, spec: ActorSpec): ActorCell {
    if (cell.kind !== spec.kind) throw new InvalidRequestError(`actor ${spec.id} already runs here as a ${cell.kind}`);
    return cell;
  }

  private async startOnce(spec: ActorSpec, options: { durable?: boolean }): Promise<ActorCell> {
    const existing = this.cells.get(spec.id);
    if (existing) {
      if (existing.kind !== spec.kind) throw new InvalidRequestError(`actor ${spec.id} already runs here as a ${existing.kind}`);
      return existing;
    }
    if (!this.kinds.has(spec.kind)) throw new NotFoundError(`unknown actor kind "${spec.kind}"; this host runs: ${[...this.kinds.keys()].join(', ')}`);
    if (options.durable ?? true) await this.records.batch([{ type: 'put', key: HOST_KEY_PREFIX + spec.id, value: spec }]);
    return this.launch(spec);
  }

  /** Stops an actor cleanly and forgets it. */
  async stopActor(id: string): Promise<void> {
    const cell = this.requireCell(id);
    await this.records.batch([{ type: 'del', key: HOST_KEY_PREFIX + id }]);
    this.cells.delete(id);
    await this.layerSupervisors.get(this.layerOf(cell))?.remove(id);
  }

  /** Stops an actor cleanly and starts it again. */
  async restartActor(id: string): Promise<void> {
    const cell = this.requireCell(id);
    await this.layerSupervisors.get(this.layerOf(cell))?.restartChild(id);
  }

  /** Crashes an actor, as a real failure would: its supervisor restarts it. */
  killActor(id: string): void {
    this.requireCell(id).kill('killed by request');
  }

  cell(id: string): ActorCell | undefined {
    return this.cells.get(id);
  }

  /** The durable store of an actor id (e.g. for tests reading what an actor wrote). */
  actorStore(kind: string, id: string): ActorStore {
    return this.store.actor(`${kind}/${id}`);
  }

  /** This host's subtree: the host node, its layer supervisors and their actors. */
  tree(): TreeNode {
    const mem = process.memoryUsage();
    return {
      id: this.hostId,
      role: 'host',
      kind: 'host',
      state: this.closing ? 'stopping' : 'running',
      hostId: this.hostId,
      pid: process.pid,
      startedAt: this.startedAt,
      runningSince: this.startedAt,
      restarts: 0,
      info: { incarnation: this.incarnation, actors: this.cells.size, commits: this.store.commits },
      memory: { rss: mem.rss, heapUsed: mem.heapUsed },
      children: [this.root.tree()],
    };
  }

  /** Stops every actor cleanly, closes NATS and LevelDB. */
  async shutdown(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    await this.root.stop();
    for (const s of this.subs) s.unsubscribe();
    await this.transport.close();
    await this.store.close();
  }

  /** Abandons everything without stop hooks (for in-process crash simulation in tests). */
  async crash(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    await this.transport.nc.close().catch(() => undefined);
    await this.store.close().catch(() => undefined);
  }

  private async launch(spec: ActorSpec): Promise<ActorCell> {
    const kind = this.kinds.get(spec.kind);
    if (!kind) throw new NotFoundError(`unknown actor kind "${spec.kind}"`);
    const subject = kind.subject ? kind.subject(this.region, spec.id) : actorSubject(this.region, kind.layer, kind.kind, spec.id);
    const cell = new ActorCell(
      { kind: spec.kind, id: spec.id, subject, config: spec.config, store: this.actorStore(spec.kind, spec.id), factory: kind.create },
      {
        region: this.region,
        hostId: this.hostId,
        transport: this.transport,
        clock: this.clock,
        random: this.random,
        observer: this.inspector,
        spawner: this.spawner,
        superseded: (reason) => this.superseded(reason),
      },
    );
    this.cells.set(spec.id, cell);
    const sup = await this.layerSupervisor(kind.layer);
    await sup.add({ child: cell, restart: spec.restart ?? kind.restart ?? 'permanent', shutdownMs: kind.shutdownMs ?? 5000 });
    return cell;
  }

  /** This process was replaced by a newer one under the same host id: it stops at once. */
  private superseded(reason: string): void {
    if (this.supersededBy !== undefined) return;
    this.supersededBy = reason;
    console.error(`[host ${this.hostId}] superseded, stopping: ${reason}`);
    if (this.options.onSuperseded) this.options.onSuperseded(reason);
    else void this.crash();
  }

  private async layerSupervisor(layer: string): Promise<Supervisor> {
    let sup = this.layerSupervisors.get(layer);
    if (!sup) {
      sup = new Supervisor(`${this.hostId}-${layer}`, { strategy: 'one_for_one' }, this.clock, this.random, `${layer}-supervisor`);
      this.layerSupervisors.set(layer, sup);
      await this.root.add({ child: sup, restart: 'permanent', shutdownMs: 30_000 });
    }
    return sup;
  }

  private layerOf(cell: ActorCell): string {
    return this.kinds.get(cell.kind)?.layer ?? 'sys';
  }

  private requireCell(id: string): ActorCell {
    const cell = this.cells.get(id);
    if (!cell) throw new NotFoundError(`no actor "${id}" on host ${this.hostId}`);
    return cell;
  }

  private serve(heartbeatMs: number): void {
    this.subs.push(this.transport.subscribe(hostSubject(this.region, this.hostId), (msg) => void this.onCommand(msg)));
    this.subs.push(
      this.transport.subscribe(hostsSubject(this.region), (msg) => this.transport.respond(msg, { type: 'Tree', at: this.clock.now(), root: this.tree() })),
    );
    if (this.options.watchSuccessors) {
      this.subs.push(
        this.transport.subscribe(heartbeatSubject(this.region, this.hostId), (msg) => {
          try {
            const hb = heartbeats.validate(decode(msg.data), msg.headers?.get(Header.Type) || undefined) as Heartbeat;
            if (hb.incarnation !== this.incarnation && hb.startedAt > this.startedAt) {
              this.superseded(`host ${this.hostId} runs as a later process (pid ${hb.pid}, incarnation ${hb.incarnation})`);
            }
          } catch {
            // a malformed heartbeat changes nothing
          }
        }),
      );
    }
    const beat = () => {
      const mem = process.memoryUsage();
      let running = 0;
      for (const c of this.cells.values()) if (c.state() === 'running') running++;
      this.inspector.heartbeat({
        hostId: this.hostId,
        pid: process.pid,
        incarnation: this.incarnation,
        startedAt: this.startedAt,
        at: this.clock.now(),
        actors: this.cells.size,
        running,
        memory: { rss: mem.rss, heapUsed: mem.heapUsed },
      });
      this.inspector.flushCounters();
    };
    beat();
    this.timer = setInterval(beat, heartbeatMs);
    this.timer.unref();
  }

  private async onCommand(msg: Msg): Promise<void> {
    try {
      const cmd = decodeMessage(this.commands, msg.data, {
        maxPayload: this.transport.maxPayload,
        headerType: msg.headers?.get(Header.Type),
        headerVersion: msg.headers?.get(Header.Version),
      });
      switch (cmd.type) {
        case 'StartActor':
          await this.startHere(cmd.actor);
          return this.transport.respond(msg, { type: 'Ok' });
        case 'StopActor':
          await this.stopActor(cmd.id);
          return this.transport.respond(msg, { type: 'Ok' });
        case 'RestartActor':
          await this.restartActor(cmd.id);
          return this.transport.respond(msg, { type: 'Ok' });
        case 'KillActor':
          this.killActor(cmd.id);
          return this.transport.respond(msg, { type: 'Ok' });
        case 'GetHostTree':
          return this.transport.respond(msg, { type: 'HostTree', root: this.tree() });
        case 'ShutdownHost':
          this.transport.respond(msg, { type: 'Ok', detail: 'shutting down' });
          await this.transport.nc.flush().catch(() => undefined);
          await this.shutdown();
          process.exit(0);
        default:
          return assertNever(cmd);
      }
    } catch (err) {
      const e = err instanceof DefiniteError ? err : new InvalidRequestError((err as Error).message);
      this.transport.respondError(msg, e);
    }
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled command ${JSON.stringify(x)}`);
}
