/**
 * The drill's actions, zippy-style: each has the capabilities it needs, a precondition on the
 * model, a weight, and an effect that returns only once the platform has recovered from it (or
 * throws, which the runner records as an `unavailable` violation). Faults carry a `fault` kind,
 * counted in the report. The SQL workload (tables, views, clusters, INSERTs through CONTROL) is
 * in sql-actions.ts; the runner skips actions whose capabilities the platform lacks.
 */
import { signal } from '../runtime/process-util.js';
import type { Capability, DrillContext } from './context.js';
import { createSource, dropSource, publishBurst, writeBurst } from './sources.js';
import type { HostIdentity } from './model.js';
import { until } from './until.js';
import { SQL_ACTIONS, insertBurst } from './sql-actions.js';
import { UPSTREAM_ACTIONS } from './sql-upstreams.js';

export interface Action {
  name: string;
  /** Fault kind counted in the report (undefined for workload actions). */
  fault?: string;
  needs: Capability[];
  weight: number;
  when(ctx: DrillContext): boolean;
  /** True while the drill still needs one of what this action creates (taken first, so faults meet data). */
  firstOf?(ctx: DrillContext): boolean;
  /** Performs the action; returns a short description for the step log. */
  run(ctx: DrillContext): Promise<string>;
}

const STORAGE_HOST = 'storage-0';
/** The orchestrator's heartbeat timeout (runtime/orchestrator.ts default) plus a margin. */
const PAST_HEARTBEAT_TIMEOUT_MS = 12_000;
const MAX_SOURCES = 6;

/** Waits until every modelled collection answers again (after a restart of its host). */
async function collectionsAnswer(ctx: DrillContext): Promise<void> {
  for (const id of ctx.model.sources.keys()) await until(() => ctx.client.describe(id, 1000), `collection ${id} answering`);
}

/** The cluster processes the orchestrator runs (`cluster-<id>`). */
function clusterHosts(ctx: DrillContext): string[] {
  return ctx.hostIds.filter((h) => h.startsWith('cluster-'));
}

async function identities(ctx: DrillContext): Promise<Map<string, HostIdentity>> {
  const hosts = await until(() => ctx.platform.hosts(), 'host list');
  return new Map(hosts.map((h) => [h.hostId, { pid: h.pid, incarnation: h.incarnation, restarts: h.restarts }]));
}

export const ACTIONS: Action[] = [
  ...(['table', 'counter', 'jetstream'] as const).map(
    (kind): Action => ({
      name: `create-${kind}`,
      needs: ['storage'],
      weight: 2,
      when: (ctx) => ctx.model.sources.size < MAX_SOURCES,
      firstOf: (ctx) => ctx.model.ofKind(kind).length === 0,
      run: async (ctx) => `created ${(await createSource(ctx, kind)).id}`,
    }),
  ),
  {
    name: 'drop-source',
    needs: ['storage'],
    weight: 1,
    when: (ctx) => ctx.model.sources.size > 3,
    run: async (ctx) => {
      const m = ctx.rng.pick([...ctx.model.sources.values()]);
      await dropSource(ctx, m);
      return `dropped ${m.id}`;
    },
  },
  {
    name: 'write-burst',
    needs: ['storage'],
    weight: 5,
    when: (ctx) => ctx.model.ofKind('table').length > 0,
    run: async (ctx) => {
      const m = ctx.rng.pick(ctx.model.ofKind('table'));
      const n = await writeBurst(ctx, m, ctx.rng.int(5, 40), 20);
      return `${n} rows appended to ${m.id}`;
    },
  },
  {
    name: 'publish-burst',
    needs: ['storage'],
    weight: 5,
    when: (ctx) => ctx.model.ofKind('jetstream').length > 0,
    run: async (ctx) => {
      const m = ctx.rng.pick(ctx.model.ofKind('jetstream'));
      const n = await publishBurst(ctx, m, ctx.rng.int(50, 1000));
      return `${n} messages published to ${m.stream}`;
    },
  },
  {
    name: 'kill-storage-host',
    fault: 'kill-storage-host',
    needs: ['storage'],
    weight: 2,
    when: (ctx) => ctx.model.sources.size > 0,
    run: async (ctx) => {
      const before = await ctx.platform.runningHost(STORAGE_HOST);
      signal(before.pid, 'SIGKILL');
      const after = await ctx.platform.replaced(STORAGE_HOST, before.pid, 'storage host restarted');
      await collectionsAnswer(ctx);
      return `SIGKILL storage host pid ${before.pid}, back as pid ${after.pid}`;
    },
  },
  {
    name: 'kill-cluster-host',
    fault: 'kill-cluster-host',
    needs: ['compute'],
    weight: 2,
    when: (ctx) => clusterHosts(ctx).length > 0,
    run: async (ctx) => {
      const hostId = ctx.rng.pick(clusterHosts(ctx));
      const before = await ctx.platform.runningHost(hostId);
      signal(before.pid, 'SIGKILL');
      const after = await ctx.platform.replaced(hostId, before.pid);
      return `SIGKILL compute host ${hostId} pid ${before.pid}, back as pid ${after.pid}`;
    },
  },
  {
    name: 'clean-restart-storage-host',
    fault: 'clean-restart-storage-host',
    needs: ['storage'],
    weight: 1,
    when: (ctx) => ctx.model.sources.size > 0,
    run: async (ctx) => {
      const { before, after } = await ctx.platform.cleanRestartHost(STORAGE_HOST);
      await collectionsAnswer(ctx);
      return `clean stop of the storage host pid ${before} and start again as pid ${after}`;
    },
  },
  {
    name: 'clean-restart-cluster-host',
    fault: 'clean-restart-cluster-host',
    needs: ['compute'],
    weight: 1,
    when: (ctx) => clusterHosts(ctx).length > 0,
    run: async (ctx) => {
      const hostId = ctx.rng.pick(clusterHosts(ctx));
      const { before, after } = await ctx.platform.cleanRestartHost(hostId);
      return `clean stop of compute host ${hostId} pid ${before} and start again as pid ${after}`;
    },
  },
  {
    // The commit path under fire: SIGKILL of the environment (coordinator, group commit), the
    // storage host (tables, txns log) or a compute host while an INSERT burst is committing.
    name: 'kill-mid-commit',
    fault: 'kill-mid-commit',
    needs: ['control', 'compute'],
    weight: 2,
    when: (ctx) => ctx.sql.tables.size > 0,
    run: async (ctx) => {
      const m = ctx.rng.pick([...ctx.sql.tables.values()]);
      const victim = ctx.rng.pick(['env', STORAGE_HOST, ...clusterHosts(ctx)]);
      const delayMs = ctx.rng.int(0, 300);
      const burst = insertBurst(ctx, m);
      await new Promise((r) => setTimeout(r, delayMs));
      let what: string;
      if (victim === 'env') {
        const pid = ctx.platform.envPid();
        await ctx.platform.killEnv();
        await ctx.platform.startEnv();
        what = `SIGKILL env pid ${pid}`;
      } else {
        const before = await ctx.platform.runningHost(victim);
        signal(before.pid, 'SIGKILL');
        const after = await ctx.platform.replaced(victim, before.pid);
        what = `SIGKILL ${victim} pid ${before.pid} (back as ${after.pid})`;
      }
      const done = await burst;
      return `${what} ${delayMs} ms into an INSERT burst on ${m.name}: ${done}`;
    },
  },
  {
    name: 'kill-env',
    fault: 'kill-env',
    needs: ['storage'],
    weight: 2,
    when: () => true,
    run: async (ctx) => {
      const before = await identities(ctx);
      const envPid = ctx.platform.envPid();
      await ctx.platform.killEnv();
      await ctx.platform.startEnv();
      const after = await identities(ctx);
      for (const [hostId, b] of before) {
        const a = after.get(hostId);
        if (!a || a.pid !== b.pid || a.incarnation !== b.incarnation || a.restarts > b.restarts) {
          ctx.violate('orchestrator-restart-restarted-actors', `host ${hostId} was ${JSON.stringify(b)}, after the environment's restart ${JSON.stringify(a ?? null)}`);
        }
      }
      await collectionsAnswer(ctx);
      return `SIGKILL env pid ${envPid}, restarted as ${ctx.platform.envPid()}; hosts adopted: ${[...before.keys()].join(',')}`;
    },
  },
  {
    name: 'clean-restart',
    fault: 'clean-restart',
    needs: ['storage'],
    weight: 1,
    when: () => true,
    run: async (ctx) => {
      await ctx.platform.stopClean();
      await ctx.platform.startEnv();
      await ctx.platform.runningHost(STORAGE_HOST);
      await collectionsAnswer(ctx);
      return 'clean Shutdown and start of the platform';
    },
  },
  {
    name: 'restart-nats',
    fault: 'restart-nats',
    needs: ['storage'],
    weight: 1,
    when: () => true,
    run: async (ctx) => {
      const i = ctx.rng.int(0, ctx.nats.size - 1);
      const pid = ctx.nats.pid(i);
      await ctx.nats.killServer(i);
      await new Promise((r) => setTimeout(r, ctx.rng.int(100, 2000)));
      await ctx.nats.startServer(i);
      await until(() => ctx.platform.hosts(1000), 'orchestrator answering after the NATS restart');
      await collectionsAnswer(ctx);
      return `SIGKILL nats-server ${i} (pid ${pid}) and restart`;
    },
  },
  {
    name: 'pause-storage-host',
    fault: 'pause-storage-host',
    needs: ['storage'],
    weight: 1,
    when: (ctx) => ctx.model.sources.size > 0,
    run: async (ctx) => {
      const before = await ctx.platform.runningHost(STORAGE_HOST);
      signal(before.pid, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, PAST_HEARTBEAT_TIMEOUT_MS));
      signal(before.pid, 'SIGCONT');
      const after = await ctx.platform.replaced(STORAGE_HOST, before.pid, 'paused storage host replaced');
      await collectionsAnswer(ctx);
      return `SIGSTOP storage host pid ${before.pid} for ${PAST_HEARTBEAT_TIMEOUT_MS} ms, SIGCONT; replaced by pid ${after.pid}`;
    },
  },
  {
    name: 'settle',
    needs: [],
    weight: 1,
    when: () => true,
    run: async (ctx) => {
      const ms = ctx.rng.int(100, 1500);
      await new Promise((r) => setTimeout(r, ms));
      return `settled ${ms} ms`;
    },
  },
  ...SQL_ACTIONS,
  ...UPSTREAM_ACTIONS,
];

/** Every fault kind the drill can inject with the given capabilities. */
export function faultKinds(capabilities: Set<string>): string[] {
  return ACTIONS.filter((a) => a.fault && a.needs.every((c) => capabilities.has(c))).map((a) => a.fault!);
}
