/**
 * The drill's checks through CONTROL, after every step: every acknowledged INSERT is in its table
 * exactly once (outcome-unknown ones at most once, nothing else); each materialized view equals
 * its recomputation from the table read at the same timestamp; each counter's check view reads
 * exactly `1, n, n, n`; each SUBSCRIBE stream (resumed after any fault) holds exactly the view's
 * contents at its last progress; each sink's stream is exactly once and replays to its view
 * (sql-sinks.ts); each real upstream's source holds exactly its upstream's state (sql-upstreams.ts); and no session saw its timestamps go backwards.
 */
import type { DrillContext } from './context.js';
import { sortRows } from './sql-actions.js';
import type { SqlTableModel } from './sql-model.js';
import { describeKeys } from './validations.js';
import { checkSinks } from './sql-sinks.js';
import { checkUpstreams } from './sql-upstreams.js';

/** `SELECT k % 5, count(*), sum(v) ... GROUP BY k % 5`, computed by the drill. */
function recomputeAgg(rows: unknown[][]): unknown[][] {
  const groups = new Map<number, { n: number; s: number | null }>();
  for (const [k, v] of rows) {
    const g = Number(k) % 5;
    const cur = groups.get(g) ?? { n: 0, s: null };
    cur.n++;
    if (v !== null) cur.s = (cur.s ?? 0) + Number(v);
    groups.set(g, cur);
  }
  return [...groups].map(([g, { n, s }]) => [g, n, s]);
}

/**
 * The table, and the view AS OF the table read's timestamp. The view keeps only a second of
 * history (its compaction window), so when the second read comes later than that (a restarting
 * cluster), both are read again: the check compares them at one timestamp, whichever.
 */
async function tableAndView(ctx: DrillContext, m: SqlTableModel): Promise<{ rows: unknown[][]; timestamp: number; view: unknown[][] }> {
  for (let attempt = 1; ; attempt++) {
    const { rows, timestamp } = await ctx.sqlB.rows(`SELECT k, v FROM ${m.name}`);
    try {
      const { rows: view } = await ctx.sqlB.rows(`SELECT g, n, s FROM ${m.view} AS OF ${timestamp}`);
      return { rows, timestamp, view };
    } catch (err) {
      if (attempt >= 5 || !/has been compacted/.test((err as Error).message)) throw err;
    }
  }
}

/** Returns how many acknowledged rows were found. */
async function checkTable(ctx: DrillContext, m: SqlTableModel): Promise<number> {
  const { rows, timestamp, view } = await tableAndView(ctx, m);
  const counts = new Map<number, number>();
  for (const [k] of rows) counts.set(Number(k), (counts.get(Number(k)) ?? 0) + 1);
  const lost = [...m.acknowledged].filter((k) => !counts.has(k));
  const twice = [...counts].filter(([, c]) => c > 1).map(([k]) => k);
  const foreign = [...counts.keys()].filter((k) => !m.acknowledged.has(k) && !m.unknown.has(k));
  if (lost.length) ctx.violate('write-lost', `${m.name}: acknowledged INSERTs missing: keys ${describeKeys(lost)}`);
  if (twice.length) ctx.violate('write-duplicated', `${m.name}: rows applied more than once: keys ${describeKeys(twice)}`);
  if (foreign.length) ctx.violate('write-unexpected', `${m.name}: rows never written: keys ${describeKeys(foreign)}`);
  const want = recomputeAgg(rows);
  if (JSON.stringify(sortRows(view)) !== JSON.stringify(sortRows(want))) {
    ctx.violate('view-mismatch', `${m.view}: at ${timestamp} reads ${JSON.stringify(sortRows(view))}, the recomputation from ${m.name} is ${JSON.stringify(sortRows(want))}`);
  }
  return m.acknowledged.size - lost.length;
}

/** The SUBSCRIBE stream's contents at its last progress equal the view there. */
async function checkSubscriber(ctx: DrillContext, m: SqlTableModel): Promise<void> {
  const s = ctx.sqlSubs.get(m.view);
  if (!s) return;
  const resumed = await s.ensureLive().catch((err: Error) => {
    ctx.violate('subscription-failed', `${m.view}: ${err.message}`);
    return undefined;
  });
  if (resumed) ctx.steps.push(`  (${resumed})`);
  const model = s.model;
  for (const p of model.problems.splice(0)) ctx.violate('subscription-order', p);
  if (model.ended || model.frontier === 0) return;
  const f = model.frontier;
  const delivered = [...model.counts].filter(([, c]) => c !== 0);
  const read = await ctx.sqlB.rows(`SELECT g, n, s FROM ${m.view} AS OF ${f - 1}`).catch((err: Error) => err);
  if (read instanceof Error) {
    const age = Date.now() - model.lastBatchAt;
    ctx.violate('subscription-stalled', `${m.view}: its last progress ${f} can no longer be read (${read.message}); last batch ${age} ms ago, ${model.resumes} resumes`);
    return;
  }
  const { rows } = read;
  const want = rows.map((r) => JSON.stringify(r)).sort();
  const got = delivered.flatMap(([row, c]) => (c === 1 ? [row] : [`${row} x${c}`])).sort();
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    const missing = want.filter((r) => !got.includes(r));
    const extra = got.filter((r) => !want.includes(r));
    if (missing.length) ctx.violate('subscription-gap', `${m.view}: at progress ${f} the stream misses ${missing.join(' ')}`);
    if (extra.length) ctx.violate('subscription-duplicate', `${m.view}: at progress ${f} the stream has extra ${extra.join(' ')}`);
  }
}

async function checkCounters(ctx: DrillContext): Promise<void> {
  for (const c of ctx.sql.counters.values()) {
    const { rows } = await ctx.sqlB.rows(`SELECT * FROM ${c.view}`);
    const [min, max, count, distinct] = (rows[0] ?? []).map((x) => (x === null ? null : Number(x)));
    if (rows.length !== 1) ctx.violate('counter-view', `${c.view}: ${rows.length} rows`);
    else if (count === 0) {
      if (min !== null || max !== null || distinct !== 0) ctx.violate('counter-view', `${c.view}: ${JSON.stringify(rows[0])} over no rows`);
    } else if (min !== 1 || max !== count || distinct !== count) {
      ctx.violate('counter-view', `${c.view}: min ${min}, max ${max}, count ${count}, count(distinct) ${distinct}; want 1, n, n, n`);
    }
  }
}

/** Runs every SQL check; returns the number of acknowledged INSERT rows found. */
export async function checkSql(ctx: DrillContext): Promise<number> {
  let found = 0;
  for (const m of [...ctx.sql.tables.values()]) {
    found += await checkTable(ctx, m);
    await checkSubscriber(ctx, m);
  }
  await checkCounters(ctx);
  await checkSinks(ctx);
  await checkUpstreams(ctx);
  for (const c of [ctx.sqlA, ctx.sqlB]) for (const p of c.problems.splice(0)) ctx.violate('timestamp-backwards', p);
  return found;
}
