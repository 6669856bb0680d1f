/**
 * Hydration and rehydration memory (`npm run bench -- --only rehydration`, issue #21; Materialize's
 * users' first complaint, MaterializeInc/materialize#19866 / #23332): a cluster process maintaining
 * a few views over DFN_BENCH_REHYDRATION_ROWS rows (default 300,000) is measured at steady state
 * (its resident set, /proc VmRSS, 3 s after hydration), then SIGKILLed; the orchestrator starts it
 * again and the controller replays its dataflows. The new process's peak resident set until every
 * dataflow reports hydrated (/proc VmHWM: the kernel's high-water mark, so no sample is missed) is
 * the rehydration peak. Target: at most 1.5x the steady state. The first hydration's peak is
 * printed beside it, and the restarted process's own steady state.
 */
import { readFileSync } from 'node:fs';
import { clusterSubject } from '../protocol/compute/subjects.js';
import type { Status } from '../protocol/compute/response.js';
import { orchestratorSubject } from '../protocol/subjects.js';
import type { HostList } from '../protocol/sys/messages.js';
import { signal } from '../runtime/process-util.js';
import { connectClient, startControlPlatform, type ControlPlatform } from './control.js';
import { figure, type Figure } from './figure.js';

const ROWS = Number(process.env['DFN_BENCH_REHYDRATION_ROWS'] ?? 300_000);
const CLUSTER = 'u1';

/** VmRSS and VmHWM of a process, in MiB. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

async function clusterPid(p: ControlPlatform): Promise<number> {
  const hosts = (await p.transport.request<HostList>(orchestratorSubject(p.region), { type: 'ListHosts' }, { timeoutMs: 5000 })).hosts;
  const host = hosts.find((h) => h.hostId === `cluster-${CLUSTER}`);
  if (!host) throw new Error(`no host cluster-${CLUSTER}`);
  return host.pid;
}

/** Waits until the cluster (an incarnation other than `not`) has every one of `n` dataflows hydrated. */
async function hydrated(p: ControlPlatform, n: number, not?: string): Promise<Status> {
  for (;;) {
    const s = await p.transport.request<Status>(clusterSubject(p.region, CLUSTER), { type: 'GetStatus' }, { timeoutMs: 5000 }).catch(() => undefined);
    if (s && s.incarnation !== not && s.initialized && s.dataflows.length >= n && s.dataflows.every((d) => d.hydrated)) return s;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 3000));

export async function benchRehydration(): Promise<Figure[]> {
  const p = await startControlPlatform();
  const c = await connectClient(p.url, 'bench-rehydration');
  try {
    await c.sql('CREATE TABLE facts (k int NOT NULL, g int NOT NULL, v int NOT NULL)');
    await c.sql('CREATE TABLE dims (g int NOT NULL, name text NOT NULL)');
    for (let from = 1; from <= ROWS; from += 100_000) {
      await c.sql(`INSERT INTO facts SELECT x, x % 1000, x % 97 FROM generate_series(${from}, ${Math.min(ROWS, from + 99_999)}) AS x`);
    }
    await c.sql("INSERT INTO dims SELECT x, 'g' || x FROM generate_series(0, 999) AS x");
    // An arrangement of every row (an index), a reduction, and a join + reduction.
    await c.sql('CREATE INDEX facts_k ON facts (k)');
    await c.sql('CREATE MATERIALIZED VIEW by_g AS SELECT g, count(*) AS n, sum(v) AS s FROM facts GROUP BY g');
    await c.sql('CREATE MATERIALIZED VIEW by_name AS SELECT d.name, count(*) AS n, max(f.v) AS m FROM facts f JOIN dims d ON f.g = d.g GROUP BY d.name');
    const views = 3;
    const first = await hydrated(p, views);
    const pid = await clusterPid(p);
    const hydrationPeak = memory(pid).hwm;
    await settle();
    const steady = memory(pid).rss;
    console.log(`  ${ROWS} rows, ${views} dataflows: first hydration peak ${hydrationPeak.toFixed(0)} MiB, steady ${steady.toFixed(0)} MiB`);

    signal(pid, 'SIGKILL');
    const t0 = performance.now();
    await hydrated(p, views, first.incarnation);
    const rehydrationMs = performance.now() - t0;
    const newPid = await clusterPid(p);
    const rehydrationPeak = memory(newPid).hwm;
    await settle();
    const steadyAfter = memory(newPid).rss;
    console.log(`  rehydrated in ${rehydrationMs.toFixed(0)} ms: peak ${rehydrationPeak.toFixed(0)} MiB, steady after ${steadyAfter.toFixed(0)} MiB`);
    return [
      figure(`rehydration after SIGKILL, ${ROWS} rows, 3 dataflows: peak resident set (VmHWM) of the new cluster process`, rehydrationPeak, 'MiB',
        { name: 'the steady state before the kill (VmRSS)', value: steady }, { text: '<= 1.5x steady state', check: (_v, r) => r !== undefined && r <= 1.5 }),
      figure(`first hydration, ${ROWS} rows, 3 dataflows: peak resident set (VmHWM)`, hydrationPeak, 'MiB', { name: 'the steady state after it (VmRSS)', value: steady }),
      figure('steady state of the restarted cluster process (VmRSS)', steadyAfter, 'MiB', { name: 'the steady state before the kill', value: steady }),
      figure(`rehydration time after SIGKILL, ${ROWS} rows, 3 dataflows`, rehydrationMs, 'ms'),
    ];
  } finally {
    await c.close().catch(() => undefined);
    await p.stop();
  }
}
