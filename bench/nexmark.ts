/**
 * Nexmark at the engine level, on one core (`npm run bench -- --only nexmark`, issue #21): each
 * query of bench/queries/nexmark.ts is planned by the SQL planner (as a materialized view is:
 * `mode: 'maintained'`) over the NEXMARK schemas, its compute engine built on the plan
 * (`createEngine`), and the generator's events (actors/storage/sources/nexmark.ts, generated
 * before the clock starts) pushed in batches of `BATCH` events, each batch one timestamp followed
 * by `step()` and `allowCompaction` (as a cluster does). Figures: events per CPU-second per query
 * (all events, persons, auctions and bids, over the process's user + system CPU time while the
 * engine runs, so V8's GC threads count; the engine itself is one thread) beside Flink's
 * published per-core rate (nexmark/nexmark GUIDE_V1: 100M events, parallelism 8,
 * `Throughput/Cores` = events / (cores x time), the same measure; other hardware), target
 * "at or above Flink per core"; and the heap the engine holds after the run (after GC), a
 * materialized view's whole contents included (Flink's runs write to a blackhole sink).
 * Before timing, each query's engine result on the first `CHECK_EVENTS` events is checked equal to
 * the reference evaluator's (protocol/compute/reference.ts), so a fast wrong engine cannot pass.
 * DFN_BENCH_NEXMARK_EVENTS (default 500,000) and DFN_BENCH_NEXMARK_QUERIES (e.g. "q4,q9") tune it.
 */
import { createEngine } from '../actors/compute/engine-binding.js';
import { nexmarkRows } from '../actors/storage/sources/nexmark.js';
import { loadSqlParser, planQueryText, type RelationResolver } from '../actors/control/sql/index.js';
import type { Plan } from '../protocol/compute/plan.js';
import { evaluatePlan } from '../protocol/compute/reference.js';
import { compareRows } from '../protocol/compute/row.js';
import { NEXMARK_SCHEMAS, NEXMARK_TABLES, type NexmarkTable } from '../protocol/storage/nexmark.js';
import type { Row, Update } from '../protocol/types.js';
import { heapMB, figure, type Figure } from './figure.js';
import { NEXMARK_FLINK_PER_CORE, NEXMARK_QUERIES } from './queries/nexmark.js';

const EVENTS = Number(process.env['DFN_BENCH_NEXMARK_EVENTS'] ?? 500_000);
const ONLY = process.env['DFN_BENCH_NEXMARK_QUERIES']?.split(',').map((q) => q.trim());
/** Events per timestamp (1 s of Nexmark's default event rate). */
const BATCH = 10_000;
const CHECK_EVENTS = 10_000;

const resolver: RelationResolver = (name, schema) =>
  (schema === undefined || schema === 'public') && (NEXMARK_TABLES as readonly string[]).includes(name)
    ? { kind: 'source', id: name, columns: NEXMARK_SCHEMAS[name as NexmarkTable] }
    : undefined;

/** One batch: the rows each table gains from `BATCH` consecutive events. */
type Batch = Record<NexmarkTable, Row[]>;

function generate(events: number): Batch[] {
  const batches: Batch[] = [];
  for (let first = 1; first <= events; first += BATCH) {
    const b: Batch = { person: [], auction: [], bid: [] };
    for (let o = first; o < Math.min(first + BATCH, events + 1); o++) for (const t of NEXMARK_TABLES) for (const r of nexmarkRows(t, o)) b[t].push(r);
    batches.push(b);
  }
  return batches;
}

function planOf(sql: string): { plan: Plan; inputs: NexmarkTable[] } {
  const planned = planQueryText(sql, resolver, { mode: 'maintained' });
  const arity = planned.columns.length;
  const project = planned.finishing.project;
  const identity = project.length === arity && project.every((c, i) => c === i);
  const plan: Plan = identity ? planned.plan : { op: 'project', input: planned.plan, columns: project };
  return { plan, inputs: planned.inputs.map((i) => i.name as NexmarkTable) };
}


/** Runs `plan` over `batches`; returns events/s over the engine's time, the retained heap, the result. */
function run(plan: Plan, inputs: NexmarkTable[], batches: Batch[]): { rate: number; wallRate: number; memMB: number; rows: Array<[Row, number]>; events: number } {
  const before = heapMB();
  const e = createEngine(plan, inputs, 0);
  let t = 0;
  let events = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for (const b of batches) {
    for (const name of inputs) {
      const rows = b[name];
      if (rows.length > 0) e.pushInput(name, rows.map((r): Update => [r, t, 1]));
    }
    events += b.person.length + b.auction.length + b.bid.length;
    t++;
    for (const name of inputs) e.advanceInput(name, [t]);
    e.step();
    e.allowCompaction(t - 1);
  }
  const wallRate = events / ((performance.now() - start) / 1000);
  const cpu = process.cpuUsage(cpu0);
  const rate = events / ((cpu.user + cpu.system) / 1e6);
  const memMB = heapMB() - before;
  return { rate, wallRate, memMB, rows: e.peek(t - 1), events };
}

const sorted = (rows: Array<[Row, number]>): string => JSON.stringify([...rows].sort((a, b) => compareRows(a[0], b[0]) || a[1] - b[1]));

export async function benchNexmark(): Promise<Figure[]> {
  await loadSqlParser();
  const g0 = performance.now();
  const batches = generate(EVENTS);
  const genRate = EVENTS / ((performance.now() - g0) / 1000);
  console.log(`  ${EVENTS.toLocaleString('en-US')} events generated at ${Math.round(genRate).toLocaleString('en-US')} events/s (not in the queries' time), batches of ${BATCH.toLocaleString('en-US')}`);
  const check = generate(CHECK_EVENTS);
  // Flink's figures include its generator; ours leave it out, so its own rate is printed too.
  const figures: Figure[] = [figure(`nexmark generator alone (${EVENTS.toLocaleString('en-US')} events into rows, 1 core)`, genRate, 'events/s')];
  for (const [q, sql] of Object.entries(NEXMARK_QUERIES)) {
    if (ONLY && !ONLY.includes(q)) continue;
    const { plan, inputs } = planOf(sql);
    // The engine against the reference evaluator on the first events (also the JIT's warm-up).
    const small = run(plan, inputs, check);
    const want = evaluatePlan(plan, new Map(inputs.map((name) => [name, check.flatMap((b) => b[name]).map((r): [Row, number] => [r, 1])])));
    if (sorted(small.rows) !== sorted(want)) throw new Error(`nexmark ${q}: the engine's result on ${CHECK_EVENTS} events differs from the reference evaluator's`);
    const r = run(plan, inputs, batches);
    const flink = NEXMARK_FLINK_PER_CORE[q];
    const name = `nexmark ${q} (${r.events.toLocaleString('en-US')} events, per CPU-second of the process, engine only)`;
    figures.push(
      flink !== undefined
        ? figure(name, r.rate, 'events/s', { name: 'Flink per core (published, nexmark GUIDE_V1)', value: flink }, { text: 'at or above Flink per core (ratio >= 1)', check: (_v, ratio) => (ratio ?? 0) >= 1 })
        : figure(`${name}, no published Flink figure`, r.rate, 'events/s'),
      figure(`nexmark ${q} heap retained after ${r.events.toLocaleString('en-US')} events (after GC; ${r.rows.length.toLocaleString('en-US')} output rows)`, r.memMB, 'MB'),
    );
    console.log(`  ${q}: ${Math.round(r.rate).toLocaleString('en-US')} events per CPU-second (${Math.round(r.wallRate).toLocaleString('en-US')} events/s wall), ${r.memMB.toFixed(1)} MB, ${r.rows.length} rows`);
  }
  return figures;
}
