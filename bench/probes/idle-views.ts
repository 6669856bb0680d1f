/**
 * Probe (issue #16): what N idle materialized views cost. Starts a platform, creates N tables with
 * one materialized view each, waits, then reports NATS messages/s (nats-server /varz in_msgs), CPU
 * of each platform process in % of a core over 10 s, and write-to-visible through a view
 * (INSERT then SELECT of the view, which waits for the view's frontier). Run:
 * `DFN_PROBE_VIEWS=100 node --expose-gc --import tsx bench/probes/idle-views.ts` (DFN_PROBE_WRITES: how
 * many writes with the views; with DFN_HOST_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' a long write
 * phase makes the hosts' profiles show the write path).
 */
import { readFileSync } from 'node:fs';
import { connectClient, startControlPlatform } from '../control.js';
import { median } from '../figure.js';

const N = Number(process.env['DFN_PROBE_VIEWS'] ?? 100);
/** Writes measured with the views in place (DFN_PROBE_WRITES; more makes a write-path profile). */
const WRITES = Number(process.env['DFN_PROBE_WRITES'] ?? 40);

function ticks(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}
function name(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(-3).join(' ').slice(0, 60);
  } catch {
    return String(pid);
  }
}

async function main(): Promise<void> {
  const p = await startControlPlatform();
  const c = await connectClient(p.url, 'probe');
  try {
    await c.sql('CREATE TABLE t0 (a int)');
    await c.sql('CREATE MATERIALIZED VIEW mv0 AS SELECT count(*) AS n FROM t0');
    const visible = async (writes = 40) => {
      const times: number[] = [];
      for (let i = 0; i < writes; i++) {
        const t0 = performance.now();
        await c.sql(`INSERT INTO t0 VALUES (${i})`);
        await c.sql('SELECT n FROM mv0');
        if (i >= 10) times.push(performance.now() - t0);
      }
      return median(times);
    };
    const base = await visible();
    const t = performance.now();
    for (let i = 0; i < N; i++) {
      await c.sql(`CREATE TABLE idle_${i} (a int)`);
      await c.sql(`CREATE MATERIALIZED VIEW idle_mv_${i} AS SELECT count(*) AS n FROM idle_${i}`);
    }
    console.log(`created ${N} tables + views in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await new Promise((r) => setTimeout(r, 3000));
    const pids = p.pids();
    const before = pids.map(ticks);
    const varz = async () => ((await (await fetch(`${p.monitorUrl}/varz`)).json()) as { in_msgs: number }).in_msgs;
    const bySubject = new Map<string, number>();
    const tap = p.transport.subscribe('>', (msg) => {
      const k = msg.subject.replace(/_INBOX\..*/, '_INBOX').replace(/[0-9a-f]{8,}|\d+/g, '#');
      bySubject.set(k, (bySubject.get(k) ?? 0) + 1);
    });
    const m0 = await varz();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const sec = (performance.now() - t0) / 1000;
    const m1 = await varz();
    tap.unsubscribe();
    for (const [k, v] of [...bySubject].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${(v / sec).toFixed(1).padStart(7)}/s  ${k}`);
    let total = 0;
    pids.forEach((pid, i) => {
      const pct = ((ticks(pid) - before[i]!) / 100 / sec) * 100;
      total += pct;
      console.log(`  ${pct.toFixed(1).padStart(5)}%  ${name(pid)}`);
    });
    console.log(`idle with ${N} views: ${total.toFixed(1)}% of a core, ${((m1 - m0) / sec).toFixed(0)} NATS msgs/s`);
    const w0 = pids.map(ticks);
    const tw = performance.now();
    const withViews = await visible(WRITES);
    const wsec = (performance.now() - tw) / 1000;
    pids.forEach((pid, i) => console.log(`  ${(((ticks(pid) - w0[i]!) / 100 / wsec) * 100).toFixed(1).padStart(5)}% while writing  ${name(pid)}`));
    console.log(`write-to-visible median: ${base.toFixed(2)} ms with no other view, ${withViews.toFixed(2)} ms with ${N}`);
  } finally {
    await c.close();
    await p.stop();
  }
}
await main();
