/**
 * Processes, by phase, against a real nats-server, real LevelDB and real processes killed with
 * SIGKILL: 01 create hosts and actors; 02 a host killed is restarted by the orchestrator and its
 * actors recover their durable state; 03 the orchestrating process killed: hosts keep running and
 * heartbeating, and the restarted orchestrator adopts them with zero actor restarts; 04 the NATS
 * server restarted under the platform: every connection comes back and nothing durable is lost.
 */
import { signal, isAlive } from '../../runtime/process-util.js';
import { actorSubject, orchestratorSubject } from '../../protocol/subjects.js';
import { heartbeatSubject, treeSubject } from '../../protocol/inspect/subjects.js';
import { decode } from '../../protocol/codec.js';
import type { Heartbeat, Tree, TreeNode } from '../../protocol/inspect/messages.js';
import { setupNats, eventually, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';

let nats: TestNats;
let p: TestPlatform;
const region = 'proc';
const counter = (id: string) => actorSubject(region, 'sys', 'counter', id);
type Count = { type: 'Count'; value: number; incarnation: number };

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
});
afterAll(async () => {
  await p.cleanup();
  await nats.cleanup();
});

function actors(node: TreeNode): TreeNode[] {
  return [...(node.role === 'actor' ? [node] : []), ...(node.children ?? []).flatMap(actors)];
}
/** Restarts of every actor on the host processes the orchestrator manages (not the env process's own). */
async function actorRestarts(): Promise<Record<string, number>> {
  const tree = await p.transport.request<Tree>(treeSubject(region), { type: 'GetTree' });
  const orchestrated = (tree.root.children ?? []).find((c) => c.role === 'orchestrator')!;
  return Object.fromEntries(actors(orchestrated).map((a) => [a.id, a.restarts]));
}
const get = (id: string) => p.transport.request<Count>(counter(id), { type: 'GetCount' });

test('01-create: the orchestrator starts a host with actors', async () => {
  await p.transport.request(orchestratorSubject(region), {
    type: 'StartHost',
    hostId: 'h1',
    actors: [
      { kind: 'counter', id: 'a' },
      { kind: 'counter', id: 'b' },
    ],
  }, { timeoutMs: 60_000 });
  for (let i = 0; i < 10; i++) await p.transport.request(counter('a'), { type: 'Increment', by: 1 });
  await p.transport.request(counter('b'), { type: 'Increment', by: 7 });
  expect((await get('a')).value).toBe(10);
  // h1 beside the platform's own: the storage host and the default cluster's process.
  // (the controllers start those in the background, so wait for them.)
  const ids = await eventually(async () => {
    const hs = (await p.hosts()).map((h) => h.hostId).sort();
    return hs.length >= 3 && hs;
  }, 'the platform hosts started');
  expect(ids).toEqual(['cluster-u1', 'h1', 'storage-0']);
});

test('02-after-host-kill: a SIGKILLed host is restarted and its actors recover durable state', async () => {
  const before = (await p.hosts()).find((h) => h.hostId === 'h1')!;
  const inc = (await get('a')).incarnation;
  signal(before.pid, 'SIGKILL');
  const after = await eventually(async () => {
    const h = (await p.hosts()).find((x) => x.hostId === 'h1');
    return h && h.pid !== before.pid && h.state === 'running' ? h : undefined;
  }, 'host restarted');
  expect(after.restarts).toBe(before.restarts + 1);
  const a = await eventually(() => get('a'), 'counter a answering');
  expect(a.value).toBe(10);
  expect(a.incarnation).toBe(inc + 1);
  expect((await get('b')).value).toBe(7);
});

test('03-after-orchestrator-kill: hosts keep running; the new orchestrator adopts them with zero actor restarts', async () => {
  const hostsBefore = await p.hosts();
  const restartsBefore = await actorRestarts();
  const incBefore = (await get('a')).incarnation;
  signal(p.envProcess.pid!, 'SIGKILL');
  await eventually(() => !isAlive(p.envProcess.pid!) || p.envProcess.exitCode !== null || p.envProcess.signalCode !== null, 'env dead');
  // Hosts keep heartbeating and serving while nobody orchestrates.
  const beats: Heartbeat[] = [];
  const sub = p.transport.subscribe(heartbeatSubject(region, 'h1'), (m) => beats.push(decode(m.data) as Heartbeat));
  await eventually(() => beats.length >= 2, 'heartbeats without orchestrator');
  sub.unsubscribe();
  expect(beats.every((b) => b.pid === hostsBefore.find((h) => h.hostId === 'h1')!.pid)).toBe(true);
  await p.transport.request(counter('a'), { type: 'Increment', by: 5 });

  await p.startEnv();
  const hostsAfter = await p.hosts();
  for (const h of hostsBefore) {
    const now = hostsAfter.find((x) => x.hostId === h.hostId)!;
    expect(now.pid).toBe(h.pid);
    expect(now.adopted).toBe(true);
    expect(now.restarts).toBe(0);
  }
  expect(await actorRestarts()).toEqual(restartsBefore);
  const a = await get('a');
  expect(a).toMatchObject({ value: 15, incarnation: incBefore });
});

test('04-after-nats-restart: every connection comes back and no durable state is lost', async () => {
  const hostsBefore = await p.hosts();
  await nats.restart();
  const a = await eventually(() => get('a'), 'counter reachable after NATS restart');
  expect(a.value).toBe(15);
  await p.transport.request(counter('a'), { type: 'Increment', by: 1 });
  expect((await get('a')).value).toBe(16);
  const hostsAfter = await eventually(async () => {
    const hs = await p.hosts();
    return hs.every((h) => h.state === 'running') ? hs : undefined;
  }, 'orchestrator back').catch(async (err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(await p.hosts().catch((e: Error) => e.message))}`);
  });
  // Hosts reconnected; none was restarted.
  expect(hostsAfter.map((h) => [h.hostId, h.pid]).sort()).toEqual(hostsBefore.map((h) => [h.hostId, h.pid]).sort());
});
