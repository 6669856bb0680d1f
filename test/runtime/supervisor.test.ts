/**
 * Supervision with real actors on a real nats-server and real LevelDB: restart with backoff,
 * escalation past intensity, the three strategies, and the three restart types.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActorCell } from '../../runtime/actor.js';
import { systemClock } from '../../runtime/clock.js';
import { SeededRandom } from '../../runtime/random.js';
import { DurableStore } from '../../runtime/store.js';
import { Supervisor, type Strategy } from '../../runtime/supervisor.js';
import { Transport } from '../../runtime/transport.js';
import type { ChildExit } from '../../runtime/child.js';
import { counterKind } from '../../actors/demo/counter.js';
import { actorSubject } from '../../protocol/subjects.js';
import { setupNats, eventually, PLATFORM_USER, type TestNats } from '../helpers/nats.js';

let nats: TestNats;
let transport: Transport;
let store: DurableStore;
let dir: string;
let seq = 0;

beforeAll(async () => {
  nats = await setupNats();
  transport = await Transport.connect({ servers: nats.url, name: 'test:supervisor', ...PLATFORM_USER });
  dir = mkdtempSync(join(tmpdir(), 'dfn-sup-'));
  store = await DurableStore.open(dir);
});
afterAll(async () => {
  await transport.close();
  await store.close();
  await nats.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const fastBackoff = { minMs: 20, maxMs: 200, jitter: 0.2, resetAfterMs: 60_000 };

function cell(id: string): ActorCell {
  return new ActorCell(
    { kind: 'counter', id, subject: actorSubject('test', 'sys', 'counter', id), config: {}, store: store.actor(`counter/${id}`), factory: counterKind.create },
    { region: 'test', hostId: 'jest', transport, clock: systemClock, random: new SeededRandom(1) },
  );
}

async function tree(strategy: Strategy, n: number, intensity = 10) {
  const tag = `t${seq++}`;
  const sup = new Supervisor(tag, { strategy, intensity, periodMs: 60_000, backoff: fastBackoff }, systemClock, new SeededRandom(7));
  const cells = Array.from({ length: n }, (_, i) => cell(`${tag}-c${i}`));
  for (const c of cells) await sup.add({ child: c, restart: 'permanent', shutdownMs: 1000 });
  await sup.start();
  return { sup, cells };
}

const request = (c: ActorCell, msg: { type: string; [k: string]: unknown }) => transport.request<{ type: string; value: number }>(c.subject, msg);

test('a crashing actor is restarted with backoff and recovers its durable state', async () => {
  const { sup, cells } = await tree('one_for_one', 1);
  const c = cells[0]!;
  await request(c, { type: 'Increment', by: 5 });
  const states: string[] = [];
  const origObserver = { transition: (_c: ActorCell, _f: string, to: string) => states.push(to), announce() {}, countersChanged() {} };
  (c as unknown as { env: { observer: unknown } }).env.observer = origObserver;
  await expect(request(c, { type: 'Crash', reason: 'test' })).rejects.toMatchObject({ code: 'Internal' });
  const reply = await eventually(() => request(c, { type: 'GetCount' }), 'counter back');
  expect(reply.value).toBe(5);
  expect(c.restarts()).toBe(1);
  expect(states).toEqual(['failed', 'backoff', 'starting', 'recovering', 'running']);
  await sup.stop();
});

test('messages sent during backoff are stashed and answered after recovery', async () => {
  const { sup, cells } = await tree('one_for_one', 1);
  const c = cells[0]!;
  await request(c, { type: 'Crash', reason: 'x' }).catch(() => undefined);
  expect(['failed', 'backoff', 'starting', 'recovering']).toContain(c.state());
  const reply = await request(c, { type: 'Increment', by: 2 });
  expect(reply.value).toBe(2);
  await sup.stop();
});

test('one_for_one restarts only the failed child', async () => {
  const { sup, cells } = await tree('one_for_one', 3);
  await request(cells[1]!, { type: 'Crash', reason: 'x' }).catch(() => undefined);
  await eventually(() => cells[1]!.state() === 'running' && cells[1]!.restarts() === 1, 'restart');
  expect(cells.map((c) => c.restarts())).toEqual([0, 1, 0]);
  await sup.stop();
});

test('one_for_all restarts every child', async () => {
  const { sup, cells } = await tree('one_for_all', 3);
  await request(cells[1]!, { type: 'Crash', reason: 'x' }).catch(() => undefined);
  await eventually(() => cells.every((c) => c.state() === 'running' && c.restarts() === 1), 'all restarted');
  expect(cells.map((c) => c.restarts())).toEqual([1, 1, 1]);
  await sup.stop();
});

test('rest_for_one restarts the failed child and those started after it', async () => {
  const { sup, cells } = await tree('rest_for_one', 4);
  await request(cells[1]!, { type: 'Crash', reason: 'x' }).catch(() => undefined);
  await eventually(() => cells.slice(1).every((c) => c.state() === 'running' && c.restarts() === 1), 'rest restarted');
  expect(cells.map((c) => c.restarts())).toEqual([0, 1, 1, 1]);
  await sup.stop();
});

test('past its intensity the supervisor stops its children and escalates to its parent', async () => {
  const parent = new Supervisor('parent', { strategy: 'one_for_one', intensity: 0, periodMs: 60_000, backoff: fastBackoff }, systemClock, new SeededRandom(3));
  const exits: ChildExit[] = [];
  parent.onExit((e) => exits.push(e));
  const child = new Supervisor('child', { strategy: 'one_for_one', intensity: 2, periodMs: 60_000, backoff: fastBackoff }, systemClock, new SeededRandom(4));
  const c = cell(`esc-${seq++}`);
  await child.add({ child: c, restart: 'permanent', shutdownMs: 1000 });
  await parent.add({ child, restart: 'permanent', shutdownMs: 1000 });
  await parent.start();
  for (let i = 0; i < 3; i++) {
    await eventually(() => c.state() === 'running', 'running');
    await request(c, { type: 'Crash', reason: `n${i}` }).catch(() => undefined);
  }
  // The child supervisor exceeded 2 restarts: it escalated; the parent (intensity 0) escalated too.
  await eventually(() => exits.length === 1, 'escalation to the top');
  expect(exits[0]).toMatchObject({ reason: 'failure' });
  expect((exits[0] as { error: string }).error).toMatch(/restart intensity exceeded/);
  expect(c.state()).toBe('stopped');
  expect(child.tree().lastError).toMatch(/restart intensity exceeded: 3 restarts/);
});

test('restart types: temporary is never restarted, transient only after a failure', async () => {
  const sup = new Supervisor(`types-${seq++}`, { strategy: 'one_for_one', intensity: 10, periodMs: 60_000, backoff: fastBackoff }, systemClock, new SeededRandom(5));
  const temp = cell(`temp-${seq++}`);
  const trans = cell(`trans-${seq++}`);
  await sup.add({ child: temp, restart: 'temporary', shutdownMs: 1000 });
  await sup.add({ child: trans, restart: 'transient', shutdownMs: 1000 });
  await sup.start();
  await request(temp, { type: 'Crash', reason: 'x' }).catch(() => undefined);
  await request(trans, { type: 'Crash', reason: 'x' }).catch(() => undefined);
  await eventually(() => trans.state() === 'running' && trans.restarts() === 1, 'transient restarted');
  expect(temp.state()).toBe('failed');
  expect(sup.children().map((c) => c.id)).toEqual([trans.id]);
  await sup.stop();
});

test('a stop hook that overruns its shutdown timeout is cut off', async () => {
  const sup = new Supervisor(`slow-${seq++}`, {}, systemClock, new SeededRandom(6));
  const id = `slow-${seq++}`;
  const slow = new ActorCell(
    {
      kind: 'slow',
      id,
      subject: actorSubject('test', 'sys', 'slow', id),
      config: {},
      store: store.actor(`slow/${id}`),
      factory: (ctx) => ({ ...counterKind.create(ctx), commands: counterKind.create(ctx).commands, handle: () => undefined, stop: () => new Promise<void>(() => undefined) }),
    },
    { region: 'test', hostId: 'jest', transport, clock: systemClock, random: new SeededRandom(1) },
  );
  await sup.add({ child: slow, restart: 'permanent', shutdownMs: 100 });
  await sup.start();
  await sup.stop();
  expect(slow.state()).toBe('stopped');
});
