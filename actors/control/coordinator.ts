/**
 * The coordinator: CONTROL's actor in the environment process, beside the storage and compute
 * controllers. It owns the catalog (the only writer), the group commit of table writes and the
 * tick that advances table uppers, starts the `main` timeline, creates the `default` cluster on
 * first start, and answers `OpenSession` on the connect subject by starting a session actor on
 * its own host. Sessions run statements through the coordinator's handlers (executor.ts) in this
 * process; clients only ever talk to sessions over NATS. After a crash it reloads the catalog
 * (objects keep running in STORAGE and COMPUTE: they are adopted, not recreated).
 */
import { randomBytes } from 'node:crypto';
import { MessageSet } from '../../protocol/message.js';
import { CONNECT_COMMANDS, type ConnectCommand } from '../../protocol/control/command.js';
import type { SessionOpened } from '../../protocol/control/response.js';
import { connectSubject, frontendSessionsSubject, sessionSubject } from '../../protocol/control/subjects.js';
import { StorageClient } from '../../protocol/storage/client.js';
import type { ActorBehavior, ActorContext, Reply } from '../../runtime/actor.js';
import type { ActorKind } from '../../runtime/host.js';
import { Catalog } from './catalog.js';
import { ComputeClient } from './compute-client.js';
import { createCluster, DEFAULT_DDL_WAIT_MS } from './ddl.js';
import { DEMO_CATALOG_SQL, demoCatalogWanted } from './demo-catalog.js';
import { PlanCache } from './plan-cache.js';
import { DEFAULT_SETTINGS, type ControlDeps, type Settings } from './deps.js';
import { executeSql, validateSetting } from './executor.js';
import { SubscribeHolds } from './subscribe-holds.js';
import { CoordinatorEndpoint } from './coordinator-endpoint.js';
import { GroupCommit } from './group-commit.js';
import { Reader } from './reads.js';
import { loadSqlParser } from './sql/index.js';
import { TimelineClient, timelineActorId } from './timestamps.js';

const commands = new MessageSet<ConnectCommand>(CONNECT_COMMANDS);

export interface CoordinatorConfig {
  /** Milliseconds between ticks that advance table uppers (default 1000). */
  tickMs?: number;
  /** How long a DDL statement waits for what it created (default DFN_DDL_WAIT_MS, else 60 s). */
  ddlWaitMs?: number;
  /** SQL run once, on the first start with an empty catalog (the demo catalog). */
  bootstrapSql?: string;
  /** The storage hosts whose transaction logs seal the tables (default ['storage-0']). */
  storageHosts?: string[];
}

/** The live coordinator of each region in this process, for the sessions it started. */
const live = new Map<string, Coordinator>();

/** The coordinator sessions of `region` in this process use, if it is running. */
export function coordinatorOf(region: string): Coordinator | undefined {
  return live.get(region);
}

export class Coordinator implements ActorBehavior<ConnectCommand> {
  readonly commands = commands;
  deps!: ControlDeps;
  sessionsOpened = 0;
  private timer: NodeJS.Timeout | undefined;
  private endpoint: CoordinatorEndpoint | undefined;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: ActorContext) {}

  async recover(): Promise<void> {
    try {
      await this.start();
    } catch (err) {
      console.error(`[coordinator] recovery failed: ${(err as Error)?.stack ?? String(err)}`);
      throw err;
    }
  }

  private async start(): Promise<void> {
    const config = (this.ctx.config ?? {}) as CoordinatorConfig;
    await loadSqlParser();
    const catalog = await Catalog.load(this.ctx.store);
    const storage = new StorageClient(this.ctx.transport, this.ctx.region);
    const timeline = new TimelineClient(this.ctx.transport, this.ctx.region, 'main');
    await this.ctx.spawn({ kind: 'timeline', id: timelineActorId('main') });
    // A table's catalog id is its collection's id (ddl.ts createTable).
    // A webhook source's collection is written the same way (actors/control/webhook).
    const isLiveTable = (collection: string) => {
      const item = catalog.get(collection);
      return item?.kind === 'table' || (item?.kind === 'source' && item.source?.['kind'] === 'webhook');
    };
    const holds = new SubscribeHolds(this.ctx.store, storage, () => this.ctx.clock.now());
    await holds.recover();
    this.deps = {
      region: this.ctx.region,
      transport: this.ctx.transport,
      catalog,
      storage,
      timeline,
      commits: new GroupCommit(storage, timeline, isLiveTable, `control.${this.ctx.id}`, config.storageHosts ?? ['storage-0']),
      reader: new Reader(this.ctx.transport, this.ctx.region, storage, timeline),
      compute: new ComputeClient(this.ctx.transport, this.ctx.region),
      holds,
      plans: new PlanCache(),
      ddlWaitMs: config.ddlWaitMs ?? (Number(process.env['DFN_DDL_WAIT_MS']) || DEFAULT_DDL_WAIT_MS),
      serialize: (fn) => this.serialize(fn),
    };
    const fresh = catalog.all().length === 0;
    if (!catalog.exists('cluster', 'default')) await createCluster(this.deps, 'default', true, 'CREATE CLUSTER default');
    live.set(this.ctx.region, this);
    // Sessions in front-end processes reach the coordinator here (coordinator-endpoint.ts).
    this.endpoint = new CoordinatorEndpoint(this.ctx.transport, this.ctx.region, () => this.deps, () => this.ctx.clock.now());
    this.endpoint.start();
    this.timer = setInterval(() => {
      if (!this.ctx.alive()) return;
      this.deps.commits.tick().catch(() => undefined);
    }, config.tickMs ?? 1000);
    const bootstrapSql = config.bootstrapSql ?? (demoCatalogWanted() ? DEMO_CATALOG_SQL : undefined);
    if (fresh && bootstrapSql) {
      // Off the recovery path: the demo catalog waits for STORAGE hosts that may still be starting.
      void executeSql(this.deps, bootstrapSql, { ...DEFAULT_SETTINGS }).catch((err) => console.error(`demo catalog: ${(err as Error).message}`));
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.endpoint?.stop();
    this.deps?.holds.stop();
    if (live.get(this.ctx.region) === this) live.delete(this.ctx.region);
  }

  handle(cmd: ConnectCommand): Reply | Promise<Reply> {
    switch (cmd.type) {
      case 'OpenSession':
        return this.openSession(cmd.settings ?? {}, cmd.client);
      default:
        return assertNever(cmd.type);
    }
  }

  info(): Record<string, unknown> {
    return { objects: this.deps?.catalog.all().length ?? 0, commits: this.deps?.commits.commits ?? 0, sessionsOpened: this.sessionsOpened, ...(this.endpoint ? { endpoint: this.endpoint.info() } : {}) };
  }

  /** Runs `fn` after every earlier serialized change (catalog changes, UPDATE, DELETE). */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async openSession(requested: Settings, client: string | undefined): Promise<SessionOpened> {
    const settings: Settings = { ...DEFAULT_SETTINGS };
    for (const [k, v] of Object.entries(requested)) settings[k.toLowerCase()] = validateSetting(this.deps, k.toLowerCase(), v);
    const id = randomBytes(12).toString('hex');
    const config = { settings, ...(client !== undefined ? { client } : {}) };
    // With front-end processes (DFN_FRONTENDS), one of them runs the session (cli/frontend.ts).
    if (Number(process.env['DFN_FRONTENDS'] ?? 0) > 0) {
      await this.ctx.transport.request(frontendSessionsSubject(this.ctx.region), { type: 'FrontendStartSession', session: id, ...config }, { timeoutMs: 10_000 });
    } else {
      await this.ctx.spawn({ kind: 'session', id, config }, { durable: false });
    }
    this.sessionsOpened++;
    return { type: 'SessionOpened', session: id, subject: sessionSubject(this.ctx.region, id), settings };
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

export const coordinatorKind: ActorKind = {
  kind: 'coordinator',
  layer: 'control',
  create: (ctx) => new Coordinator(ctx),
  subject: (region) => connectSubject(region),
};
