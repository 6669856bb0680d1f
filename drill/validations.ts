/**
 * The drill's checks. `checkStep` runs after every step: frontiers never go backwards, no source
 * re-read upstream, every acknowledged write is in the collection exactly once (and nothing else
 * is), the counter holds exactly offsets 1..n, and every subscription's accumulated updates equal
 * the collection's snapshot at the subscription's frontier (gap-free, duplicate-free).
 * `checkFinal` first waits until JetStream sources have ingested every acknowledged message.
 */
import type { Row } from '../protocol/types.js';
import type { DrillContext } from './context.js';
import type { SourceModel } from './model.js';
import { until } from './until.js';
import { advanceHold } from './sources.js';
import { checkSql } from './sql-validations.js';

export interface Totals {
  writesFound: number;
  upstreamRereads: number;
}

function countByKey(rows: Array<[Row, number]>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const [row, diff] of rows) counts.set(row[0] as number, (counts.get(row[0] as number) ?? 0) + diff);
  return counts;
}

/** A list of row keys for a violation's detail: the first ten and the count. */
export function describeKeys(keys: number[]): string {
  return keys.length <= 10 ? keys.join(',') : `${keys.slice(0, 10).join(',')},... (${keys.length})`;
}

/** Acknowledged rows present exactly once, unknown ones at most once, nothing else. */
function checkContents(ctx: DrillContext, m: SourceModel, counts: Map<number, number>): number {
  const lost: number[] = [];
  const twice: number[] = [];
  const foreign: number[] = [];
  let found = 0;
  for (const k of m.acknowledged) {
    const c = counts.get(k) ?? 0;
    if (c === 0) lost.push(k);
    else found++;
    if (c > 1) twice.push(k);
  }
  for (const [k, c] of counts) {
    if (m.acknowledged.has(k)) continue;
    if (!m.unknown.has(k) || c > 1 || c < 0) foreign.push(k);
  }
  if (lost.length) ctx.violate('write-lost', `${m.id}: acknowledged rows missing: ${describeKeys(lost)}`);
  if (twice.length) ctx.violate('write-duplicated', `${m.id}: rows applied more than once: ${describeKeys(twice)}`);
  if (foreign.length) ctx.violate('write-unexpected', `${m.id}: rows never written (or with a bad count): ${describeKeys(foreign)}`);
  return found;
}

/** Offsets 1..n, each exactly once, where n is the generator's position. */
function checkCounter(ctx: DrillContext, m: SourceModel, counts: Map<number, number>, position: number): void {
  let min = Infinity;
  let max = 0;
  let count = 0;
  for (const [k, c] of counts) {
    if (c !== 1) ctx.violate('counter-duplicate', `${m.id}: offset ${k} has count ${c}`);
    min = Math.min(min, k);
    max = Math.max(max, k);
    count += c;
  }
  if (count === 0) return;
  if (min !== 1 || max !== count || counts.size !== count) ctx.violate('counter-gap', `${m.id}: min ${min} max ${max} count ${count} distinct ${counts.size}`);
  if (position < max) ctx.violate('counter-position', `${m.id}: position ${position} behind max offset ${max}`);
}

/** A subscription's accumulated updates must equal the snapshot at its frontier. */
async function checkSubscriber(ctx: DrillContext, m: SourceModel): Promise<void> {
  const s = m.subscriber;
  if (!s) return;
  for (const p of s.problems.splice(0)) ctx.violate('subscription-order', `${m.id}: ${p}`);
  if (s.ended || s.frontier === 0) return;
  const frontier = s.frontier;
  const delivered = new Map(s.counts);
  const rows = await until(() => ctx.client.snapshot(m.id, frontier - 1, true), `snapshot of ${m.id} at ${frontier - 1}`);
  const expected = countByKey(rows);
  const missing: number[] = [];
  const extra: number[] = [];
  for (const [k, c] of expected) {
    const d = delivered.get(k) ?? 0;
    if (d < c) missing.push(k);
    if (d > c) extra.push(k);
  }
  for (const [k, d] of delivered) if (d !== 0 && !expected.has(k)) extra.push(k);
  if (missing.length) ctx.violate('subscription-gap', `${m.id}: at frontier ${frontier} the subscriber misses rows ${describeKeys(missing)}`);
  if (extra.length) ctx.violate('subscription-duplicate', `${m.id}: at frontier ${frontier} the subscriber has extra rows ${describeKeys(extra)}`);
}

export async function checkStep(ctx: DrillContext): Promise<Totals> {
  const totals: Totals = { writesFound: 0, upstreamRereads: 0 };
  for (const m of [...ctx.model.sources.values()]) {
    const d = await until(() => ctx.client.describe(m.id, 2000), `describe ${m.id}`);
    if (d.upper < m.maxUpper) ctx.violate('frontier-backwards', `${m.id}: upper ${m.maxUpper} -> ${d.upper}`);
    m.maxUpper = Math.max(m.maxUpper, d.upper);
    totals.upstreamRereads += d.upstreamRereads;
    if (d.upstreamRereads > 0) ctx.violate('upstream-reread', `${m.id}: ${d.upstreamRereads} upstream messages read again`);
    if (d.upper > 0) {
      const rows = await until(() => ctx.client.snapshot(m.id, d.upper - 1, true), `snapshot of ${m.id}`);
      const counts = countByKey(rows);
      if (m.kind === 'counter') checkCounter(ctx, m, counts, d.position);
      // a JetStream source may still be ingesting: only rows up to its position are due
      else if (m.kind === 'table' || d.position >= m.lastSeq) totals.writesFound += checkContents(ctx, m, counts);
    }
    await checkSubscriber(ctx, m);
    await until(() => advanceHold(ctx, m).then(() => true), `read hold of ${m.id} advanced`);
  }
  if (ctx.capabilities.has('control') && ctx.capabilities.has('compute')) totals.writesFound += await checkSql(ctx);
  return totals;
}

export async function checkFinal(ctx: DrillContext): Promise<Totals> {
  for (const m of ctx.model.ofKind('jetstream')) {
    await until(async () => (await ctx.client.describe(m.id, 2000)).position >= m.lastSeq, `${m.id} ingested up to stream sequence ${m.lastSeq}`).catch((err: Error) =>
      ctx.violate('ingestion-stuck', err.message),
    );
  }
  for (const m of ctx.model.sources.values()) {
    const s = m.subscriber;
    if (!s || s.ended) continue;
    const d = await until(() => ctx.client.describe(m.id, 2000), `describe ${m.id}`);
    await until(() => s.frontier >= d.upper, `subscriber of ${m.id} caught up to ${d.upper}`).catch((err: Error) => ctx.violate('subscription-stuck', err.message));
  }
  return checkStep(ctx);
}
