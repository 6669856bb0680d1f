/**
 * The inspector end to end, in Debian's headless Chromium driven by playwright-core, against a
 * running platform (real nats-server, `definite env` with its orchestrator and host processes) and
 * `definite inspect` started as a user starts it. By phase:
 *   01-tree: the tree shows the region, the orchestrator, the host processes and their actors.
 *   02-lag-plot: the lag plot draws points: a timeline actor the test keeps applying writes to
 *     (its read timestamp) and a counter source's collection in STORAGE (its upper).
 *   02b-clusters-and-sessions: a dataflow on the default cluster (hydration, frontier, lag) and
 *     an open session in the timelines & sessions view.
 *   03-kill-cluster: the kill button (with its confirmation) SIGKILLs the default cluster's
 *     process through the orchestrator; the page shows it go down, back off and come back with a
 *     new pid, its cluster actor running again.
 *   04-nats-restart: NATS restarted under everything: the page says NATS is down, then recovers.
 *   05-inspector-restart: the inspector server itself restarted: the page reconnects by itself.
 * A screenshot is written to test-artifacts/inspector.png.
 *
 * TARGET is a host process the test starts with a counter and a timeline actor (tree, table,
 * statechart, lag); CLUSTER is the default cluster's process, the one the page kills.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, PROJECT_ROOT, stopProcess } from '../../runtime/nats-server.js';
import { orchestratorSubject } from '../../protocol/subjects.js';
import { timelineSubject } from '../../protocol/control/timeline.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { computeControllerSubject } from '../../protocol/compute/subjects.js';
import { connectSubject } from '../../protocol/control/subjects.js';
import { GENERATOR_SCHEMAS } from '../../protocol/storage/source.js';
import { setupNats, eventually, type TestNats } from '../helpers/nats.js';
import { startPlatform, logTail, type TestPlatform } from '../helpers/platform.js';

/** The browser's document, as the functions passed to page.evaluate see it (they run in the page). */
interface PageElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  dataset: Record<string, string | undefined>;
}
declare const document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): Iterable<PageElement> };

const region = 'insp';
const TARGET = {
  hostId: 'inspect-h1',
  actors: [
    { kind: 'counter', id: 'c1' },
    { kind: 'timeline', id: 'tl1' },
  ],
};
/** The default cluster's process, which the platform starts by itself: the page kills it. */
const CLUSTER = { hostId: 'cluster-u1', actors: [{ kind: 'cluster', id: 'u1' }] };
const SCREENSHOT = join(PROJECT_ROOT, 'test-artifacts', 'inspector.png');

let nats: TestNats;
let p: TestPlatform;
let inspector: ChildProcess;
let port: number;
let browser: Browser;
let page: Page;
let writer: NodeJS.Timeout | undefined;

async function startInspectorProcess(): Promise<void> {
  const log = openSync(join(p.dataDir, 'inspector-test.log'), 'a');
  inspector = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'definite.js'), 'inspect'], {
    env: { ...process.env, ...p.env, DFN_INSPECTOR_PORT: String(port), DFN_NATS_HTTP_PORT: String(nats.server.httpPort) },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/api/health`)).ok, 'the inspector answering');
}

beforeAll(async () => {
  nats = await setupNats();
  // A 3 s first restart delay keeps a killed host in backoff long enough to be watched.
  p = await startPlatform(nats, region, { DFN_HOST_BACKOFF_MIN_MS: '3000' });
  await p.transport.request(orchestratorSubject(region), { type: 'StartHost', ...TARGET }, { timeoutMs: 60_000 });
  // Keep the timeline's read frontier moving: allocate a write timestamp and apply it, every 200 ms.
  writer = setInterval(() => {
    void p.transport
      .request<{ type: 'Timestamp'; ts: number }>(timelineSubject(region, 'tl1'), { type: 'WriteTs' })
      .then((r) => p.transport.request(timelineSubject(region, 'tl1'), { type: 'ApplyWrite', ts: r.ts }))
      .catch(() => undefined);
  }, 200);
  await new StorageClient(p.transport, region).createSource('ticks', { kind: 'generator', generator: 'counter', tickMs: 100, schema: [...GENERATOR_SCHEMAS.counter] });
  port = await freePort();
  await startInspectorProcess();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'], headless: true });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`http://127.0.0.1:${port}/#/tree`);
});

afterAll(async () => {
  if (writer) clearInterval(writer);
  await browser?.close();
  if (inspector) await stopProcess(inspector);
  await p?.cleanup();
  await nats?.cleanup();
});

/** Polls a function in the page until it returns something truthy. */
function inPage<T>(what: string, fn: () => T | undefined | false | null): Promise<T> {
  return eventually(async () => (await page.evaluate(fn)) ?? undefined, what);
}

const hostState = (hostId: string) => page.getAttribute(`[data-node="host:${hostId}"]`, 'data-state');

test('01-tree: the tree shows the region, the orchestrator, the host processes and their actors', async () => {
  await page.waitForSelector('[data-node="region:insp"]');
  await page.waitForSelector('[data-node="orchestrator:orchestrator"]');
  await page.waitForSelector(`[data-node="host:${TARGET.hostId}"][data-state="running"]`);
  await page.waitForSelector('[data-node="host:storage-0"][data-state="running"]');
  for (const a of TARGET.actors) await page.waitForSelector(`[data-node="actor:${TARGET.hostId}/${a.id}"][data-state="running"]`);
  // The actor nodes are inside their host's node, under its supervisors.
  expect(await page.locator(`[data-node="host:${TARGET.hostId}"] [data-node="actor:${TARGET.hostId}/c1"]`).count()).toBe(1);
  expect(await page.textContent('#link-page')).toContain('live');
  expect(await page.textContent('#link-nats')).toContain('connected');
  // The actor table lists them too, and the detail view draws the statechart with running highlighted.
  await page.goto(`http://127.0.0.1:${port}/#/actors`);
  await page.waitForSelector(`#actor-table tr[data-actor="${TARGET.hostId}/c1"]`);
  // Two terms, both must hold: the environment host runs the platform's own timeline too.
  await page.fill('#actor-filter', `kind:timeline host:${TARGET.hostId}`);
  await eventually(async () => (await page.locator('#actor-table tbody tr[data-actor]').count()) === 1, 'filter leaves the timeline');
  await page.click(`#actor-table tr[data-actor="${TARGET.hostId}/tl1"]`);
  await page.waitForSelector('svg.statechart .state.current[data-state="running"]');
  await page.waitForSelector('#actor-info td');
});

test('02-lag-plot: the lag plot draws points', async () => {
  await page.goto(`http://127.0.0.1:${port}/#/collections`);
  const key = `timeline:${TARGET.hostId}/tl1`;
  const points = await inPage('the timeline series has 3 points', () => {
    const g = document.querySelector('#lag-plot g.series[data-series^="timeline:"]');
    const n = Number(g?.getAttribute('data-points') ?? 0);
    const drawn = (g?.querySelector('polyline')?.getAttribute('points') ?? '').trim().split(/\s+/).filter(Boolean).length;
    return n >= 3 && drawn === n ? { n, key: g!.getAttribute('data-series') } : undefined;
  });
  expect(points.key).toBe(key);
  // A collection (a counter source in STORAGE) is plotted too: its upper's lag behind the clock.
  const collection = await inPage('a collection series with 3 points', () => {
    const g = [...document.querySelectorAll('#lag-plot g.series[data-series^="collection:"]')].find((s) => (s.getAttribute('data-series') ?? '').endsWith('/ticks'));
    return g && Number(g.getAttribute('data-points') ?? 0) >= 3 ? g.getAttribute('data-series') : undefined;
  });
  expect(collection).toBe('collection:storage-0/ticks');
});

test('02b-clusters-and-sessions: a dataflow with its hydration and frontier, and the open sessions', async () => {
  // An index of the counter collection on the default cluster, and a client session.
  // As of just below the counter's upper: its since trails the upper by the 1 s read window.
  const install = async () => {
    const asOf = (await new StorageClient(p.transport, region).describe('ticks')).upper - 1;
    const dataflow = { id: 'ticks_idx', plan: { op: 'get' as const, name: 'ticks', arity: 1 }, inputs: [{ name: 'ticks', collection: 'ticks' }], asOf, exports: { index: true } };
    return p.transport.request(computeControllerSubject(region), { type: 'InstallDataflow', cluster: 'u1', dataflow }, { timeoutMs: 60_000 });
  };
  await eventually(install, 'the index installed');
  const session = await p.transport.request<{ type: 'SessionOpened'; session: string }>(connectSubject(region), { type: 'OpenSession', client: 'e2e' }, { timeoutMs: 60_000 });
  await page.goto(`http://127.0.0.1:${port}/#/clusters`);
  const row = `[data-cluster="${CLUSTER.hostId}/u1"] tr[data-dataflow="ticks_idx"]`;
  await eventually(async () => ((await page.textContent(row).catch(() => '')) ?? '').includes('hydrated'), 'the dataflow shown hydrated');
  // Its frontier is shown and its lag is plotted.
  expect(await page.textContent(`${row} td:nth-child(3)`)).not.toBe('');
  await inPage('a dataflow series in the lag plot', () => document.querySelector('#lag-plot g.series[data-series$="/ticks_idx"]') !== null);
  await page.goto(`http://127.0.0.1:${port}/#/timelines`);
  await eventually(async () => (await page.locator(`tr[data-session$="/${session.session}"]`).count()) === 1, 'the session listed');
  expect(await page.textContent('body')).toMatch(/Sessions \(\d+\)/);
});

test('03-kill-cluster: killing a cluster process from the page shows it go down, back off and come back', async () => {
  const before = (await p.hosts()).find((h) => h.hostId === CLUSTER.hostId)!;
  await page.goto(`http://127.0.0.1:${port}/#/tree`);
  await page.waitForSelector(`[data-node="host:${CLUSTER.hostId}"][data-state="running"]`);
  await page.click(`[data-node="host:${CLUSTER.hostId}"] > .line [data-action="kill-host"]`);
  await page.waitForSelector('#confirm[open]');
  expect(await page.textContent('#confirm .title')).toContain(CLUSTER.hostId);
  await page.click('#confirm [data-confirm="yes"]');

  // Down and backing off, with a countdown, and listed in the banner of what is down.
  await eventually(async () => (await hostState(CLUSTER.hostId)) === 'backoff', 'the host shown in backoff');
  const line = (await page.textContent(`[data-node="host:${CLUSTER.hostId}"] > .line`)) ?? '';
  expect(line).toMatch(/restart in/);
  expect(line).toMatch(/last error: /); // 'exited with SIGKILL' or 'process is gone': whichever the orchestrator noticed first
  expect(await page.textContent(`#down [data-down="host:${CLUSTER.hostId}"]`)).toContain('backoff');

  // Back: running again with a new pid; its actors running again.
  await eventually(async () => (await hostState(CLUSTER.hostId)) === 'running', 'the host shown running again');
  for (const a of CLUSTER.actors) await page.waitForSelector(`[data-node="actor:${CLUSTER.hostId}/${a.id}"][data-state="running"]`);
  const after = (await p.hosts()).find((h) => h.hostId === CLUSTER.hostId)!;
  expect(after.pid).not.toBe(before.pid);
  expect(after.restarts).toBe(before.restarts + 1);

  // The host's detail lists the transitions, newest first.
  await page.goto(`http://127.0.0.1:${port}/#/host/${CLUSTER.hostId}`);
  const transitions = await inPage('the host transitions listed', () => {
    const t = [...document.querySelectorAll('#host-events tr[data-to]')].map((tr) => `${tr.dataset['from']}>${tr.dataset['to']}`).filter((x) => x !== '>');
    return t.includes('starting>running') ? t.reverse() : undefined;
  });
  const i = transitions.indexOf('running>failed');
  expect(i).toBeGreaterThanOrEqual(0);
  expect(transitions.slice(i, i + 4)).toEqual(['running>failed', 'failed>backoff', 'backoff>starting', 'starting>running']);
  expect(await page.textContent('#host-detail')).toContain(String(after.pid));

  await page.goto(`http://127.0.0.1:${port}/#/tree`);
  // Settled: the host's actors back under its supervisors in the tree.
  await page.waitForSelector(`[data-node="host:${CLUSTER.hostId}"] [data-node="supervisor:host-${CLUSTER.hostId}"] [data-node="actor:${CLUSTER.hostId}/u1"]`);
  mkdirSync(join(PROJECT_ROOT, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});

test('04-nats-restart: the page shows NATS down while it is, and recovers by itself', async () => {
  await page.goto(`http://127.0.0.1:${port}/#/events`);
  await nats.server.stop();
  await eventually(async () => ((await page.getAttribute('#link-nats', 'data-state')) ?? 'connected') !== 'connected', 'NATS shown down');
  expect(await page.textContent('#down [data-down="nats"]')).toMatch(/NATS is/);
  await nats.restart();
  await eventually(async () => (await page.getAttribute('#link-nats', 'data-state')) === 'connected', 'NATS shown connected again');
  await inPage('the reconnect in the event log', () => document.querySelector('tr[data-source="nats"][data-to="connected"]') !== null);
  await page.goto(`http://127.0.0.1:${port}/#/tree`);
  await page.waitForSelector(`[data-node="actor:${TARGET.hostId}/c1"][data-state="running"]`);
  await eventually(async () => (await page.locator('#down [data-down="nats"]').count()) === 0, 'the NATS warning gone');
});

test('05-inspector-restart: the page reconnects by itself when the inspector server comes back', async () => {
  await stopProcess(inspector);
  await eventually(async () => (await page.getAttribute('#link-page', 'data-state')) === 'reconnecting', 'the page shows the inspector unreachable');
  expect(await page.textContent('#down [data-down="inspector"]')).toMatch(/unreachable/);
  // The last known tree stays on screen meanwhile.
  expect(await page.locator(`[data-node="host:${TARGET.hostId}"]`).count()).toBe(1);
  await startInspectorProcess();
  await eventually(async () => (await page.getAttribute('#link-page', 'data-state')) === 'live', 'the page live again, without a reload').catch((err: Error) => {
    throw new Error(`${err.message}\n${logTail(p, 'inspector-test.log')}`);
  });
  await page.waitForSelector(`[data-node="host:${TARGET.hostId}"][data-state="running"]`);
});
