/**
 * The drill's result: one JSON object, printed as the last line of output. On a violation the
 * steps that led to it are printed before it.
 */
import type { DrillContext } from './context.js';
import type { Totals } from './validations.js';

export interface DrillReport {
  seed: number;
  steps: number;
  scenario: string;
  natsServers: number;
  faults: Record<string, number>;
  violations: Array<{ step: number; kind: string; detail: string }>;
  writesAcknowledged: number;
  /** Of those, rows of SQL INSERTs through CONTROL. */
  sqlWritesAcknowledged: number;
  writesFound: number;
  upstreamRereads: number;
  sources: number;
  /** SQL tables alive at the end, and how often their SUBSCRIBE streams were resumed. */
  sqlTables: number;
  sqlResumes: number;
  /** Sinks of SQL tables alive at the end, and the messages read from their streams (each checked exactly once). */
  sqlSinks: number;
  sinkMessages: number;
  /** Messages published to upsert sources, and PostgreSQL transactions read by CDC sources (each source checked against its upstream). */
  upsertMessages: number;
  pgTransactions: number;
  /** Webhook POSTs answered 200 (each checked exactly once in its source). */
  webhookPosts: number;
  elapsedMs: number;
}

export function buildReport(ctx: DrillContext, seed: number, scenario: string, totals: Totals, startedAt: number): DrillReport {
  return {
    seed,
    steps: ctx.step,
    scenario,
    natsServers: ctx.nats.size,
    faults: ctx.faults,
    violations: ctx.violations,
    writesAcknowledged: ctx.model.writesAcknowledged() + ctx.sql.writesAcknowledged(),
    sqlWritesAcknowledged: ctx.sql.writesAcknowledged(),
    writesFound: totals.writesFound,
    upstreamRereads: totals.upstreamRereads,
    sources: ctx.model.sources.size,
    sqlTables: ctx.sql.tables.size,
    sqlResumes: [...ctx.sqlSubs.values()].reduce((n, s) => n + s.model.resumes, 0),
    sqlSinks: [...ctx.sql.tables.values()].filter((t) => t.sink).length,
    sinkMessages: [...ctx.sql.tables.values()].reduce((n, t) => n + (t.sink?.messages ?? 0), 0),
    upsertMessages: [...ctx.upstreams.upserts.values()].reduce((n, u) => n + u.messages, 0),
    pgTransactions: [...ctx.upstreams.pg.values()].reduce((n, m) => n + m.transactions, 0),
    webhookPosts: [...ctx.upstreams.webhooks.values()].reduce((n, w) => n + w.acknowledged.size, 0),
    elapsedMs: Math.round(performance.now() - startedAt),
  };
}

export function printReport(ctx: DrillContext, report: DrillReport): void {
  if (report.violations.length > 0) {
    const first = Math.min(...report.violations.map((v) => v.step));
    console.log(`VIOLATIONS (first at step ${first}); replay with --seed ${report.seed} --steps ${report.steps} --scenario ${report.scenario}. Steps up to it:`);
    for (const line of ctx.steps.slice(0, first + 1)) console.log(`  ${line}`);
    for (const v of report.violations) console.log(`  violation at step ${v.step}: ${v.kind}: ${v.detail}`);
  }
  console.log(JSON.stringify(report));
}
