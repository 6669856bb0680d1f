/**
 * The drill runner: starts NATS (one server or a cluster of three), the platform as real
 * processes in a temp dir, then takes `steps` seeded actions, validating after each, and a final
 * validation once ingestion has caught up. Returns the report; always tears everything down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { StorageClient } from '../protocol/storage/client.js';
import { ACTOR_KINDS } from '../actors/registry.js';
import { ACTIONS } from './actions.js';
import type { Capability, DrillContext } from './context.js';
import { DrillModel } from './model.js';
import { SqlModel } from './sql-model.js';
import { DrillSql } from './sql-client.js';
import { NatsCluster } from './nats-cluster.js';
import { DrillPlatform } from './platform.js';
import { buildReport, type DrillReport } from './report.js';
import { Rng } from './rng.js';
import { forcedFaults, nextAction, type Scenario } from './scenarios.js';
import { checkFinal, checkStep, type Totals } from './validations.js';
import { abortWaits, until } from './until.js';
import { closeUpstreams, UpstreamModel } from './sql-upstreams.js';

export interface DrillOptions {
  seed: number;
  steps: number;
  scenario: Scenario;
  natsServers: 1 | 3;
  /** Subscribers hold read holds at their frontier (default true). */
  readHolds?: boolean;
  /** Keep the temp dir (logs, data) for inspection. */
  keep?: boolean;
  /** Fault injection of the deliberately broken drill; defaults to DFN_DRILL_INJECT. */
  inject?: string;
  /** A PostgreSQL server with wal_level=logical on 127.0.0.1 (trust auth, user postgres): the drill adds a CDC source. */
  postgresPort?: number;
  log?: (line: string) => void;
}

/** What the running platform can do, from the registered actor kinds. */
function capabilities(natsServers: number): Set<Capability> {
  const caps = new Set<Capability>(['storage']);
  if (natsServers > 1) caps.add('nats-cluster');
  const kinds = new Set(ACTOR_KINDS.map((k) => k.kind));
  if (kinds.has('cluster') && kinds.has('compute-controller')) caps.add('compute');
  if (kinds.has('coordinator')) caps.add('control');
  return caps;
}

export async function runDrill(o: DrillOptions): Promise<{ report: DrillReport; ctx: DrillContext }> {
  const log = o.log ?? ((l: string) => console.log(l));
  const startedAt = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'dfn-drill-'));
  const region = `drill${o.seed}`;
  const nats = await NatsCluster.start(dir, o.natsServers);
  // the environment (and its hosts) on server 0; the drill's requests and subscribers on server 1,
  // its JetStream publishes on server 2 (all on server 0 with a single server)
  const transport = await DrillPlatform.connect(nats.url(1 % nats.size), `drill:${region}`);
  const pubTransport = await DrillPlatform.connect(nats.url(2 % nats.size), `drill-pub:${region}`);
  const platform = new DrillPlatform(region, dir, nats.url(0), transport);
  const ctx: DrillContext = {
    rng: new Rng(o.seed),
    nats,
    platform,
    client: new StorageClient(transport, region),
    js: jetstream(pubTransport.nc, { timeout: 5000 }),
    // a fresh JetStream cluster answers once it has elected its meta leader
    jsm: await until(() => jetstreamManager(pubTransport.nc, { timeout: 5000 }), 'JetStream ready').catch(async (err: Error) => {
      await Promise.all([transport.close(), pubTransport.close()]);
      await nats.stopAll();
      throw err;
    }),
    model: new DrillModel(),
    sql: new SqlModel(),
    upstreams: new UpstreamModel(),
    postgresPort: o.postgresPort,
    sqlA: new DrillSql(transport, region, 'drill-writer'),
    sqlB: new DrillSql(transport, region, 'drill-reader'),
    sqlSubs: new Map(),
    capabilities: capabilities(o.natsServers),
    hostIds: [],
    inject: o.inject ?? process.env['DFN_DRILL_INJECT'] ?? '',
    readHolds: o.readHolds ?? true,
    step: 0,
    steps: [],
    faults: {},
    violations: [],
    violate(kind, detail) {
      // one report per kind and collection: a lost row stays lost at every later step
      const where = detail.split(':')[0];
      if (ctx.violations.some((v) => v.kind === kind && v.detail.split(':')[0] === where)) return;
      ctx.violations.push({ step: ctx.step, kind, detail });
      log(`  VIOLATION ${kind}: ${detail}`);
    },
  };
  let totals: Totals = { writesFound: 0, upstreamRereads: 0 };
  try {
    await platform.startEnv();
    ctx.hostIds = (await platform.hosts()).map((h) => h.hostId).sort();
    const forced = o.scenario === 'all-faults' ? forcedFaults(ctx, ACTIONS, o.steps) : new Map();
    for (ctx.step = 0; ctx.step < o.steps; ctx.step++) {
      const action = nextAction(ctx, ACTIONS, o.scenario, forced);
      const t0 = performance.now();
      let what: string;
      try {
        what = await action.run(ctx);
      } catch (err) {
        what = `failed: ${(err as Error).message}`;
        ctx.violate('unavailable', `${action.name}: ${(err as Error).message}`);
      }
      if (action.fault) ctx.faults[action.fault] = (ctx.faults[action.fault] ?? 0) + 1;
      const line = `step ${ctx.step}: ${action.name}: ${what} (${Math.round(performance.now() - t0)} ms)`;
      ctx.steps.push(line);
      log(line);
      ctx.hostIds = (await platform.hosts().catch(() => [])).map((h) => h.hostId).sort();
      if (platform.unexpectedExit) {
        ctx.violate('process-exited', platform.unexpectedExit);
        break;
      }
      try {
        totals = await checkStep(ctx);
      } catch (err) {
        ctx.violate('unavailable', `validation: ${(err as Error).message}`);
      }
    }
    try {
      totals = await checkFinal(ctx);
    } catch (err) {
      ctx.violate('unavailable', `final validation: ${(err as Error).message}`);
    }
  } finally {
    abortWaits(undefined);
    for (const m of ctx.model.sources.values()) m.subscriber?.sub?.cancel();
    for (const s of ctx.sqlSubs.values()) s.cancel();
    await closeUpstreams(ctx);
    await platform.teardown().catch(() => undefined);
    await pubTransport.close().catch(() => undefined);
    await nats.stopAll();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
  return { report: buildReport(ctx, o.seed, o.scenario, totals, startedAt), ctx };
}
