/**
 * A host whose start fails part-way leaves nothing open: with its LevelDB held by another
 * process-local handle, Host.start fails and its NATS connection is closed again (the server's
 * monitoring lists no `host:<id>` connection); once the store is free, the same host starts.
 * Concurrent StartActor requests for one id start one actor.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../../runtime/host.js';
import { DurableStore } from '../../runtime/store.js';
import { counterKind } from '../../actors/demo/counter.js';
import { hostSubject } from '../../protocol/subjects.js';
import { eventually, setupNats, PLATFORM_USER, type TestNats } from '../helpers/nats.js';

let nats: TestNats;
let dir: string;

beforeAll(async () => {
  nats = await setupNats();
  dir = mkdtempSync(join(tmpdir(), 'dfn-host-start-'));
});
afterAll(async () => {
  await nats?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function hostConnections(hostId: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${nats.server.httpPort}/connz?limit=1024`);
  const body = (await res.json()) as { connections?: Array<{ name?: string }> };
  return (body.connections ?? []).filter((c) => c.name === `host:${hostId}`).length;
}

test('a failed LevelDB open closes the NATS connection; the host starts once the store is free', async () => {
  const hostDir = join(dir, 'hosts', 'h1');
  mkdirSync(hostDir, { recursive: true });
  const holder = await DurableStore.open(hostDir, { sync: false });
  const options = { hostId: 'h1', region: 'hs', servers: nats.url, ...PLATFORM_USER, dataDir: dir, kinds: [counterKind] };
  await expect(Host.start(options)).rejects.toThrow();
  await eventually(async () => (await hostConnections('h1')) === 0, 'no connection left by the failed start');
  await holder.close();
  const host = await Host.start(options);
  try {
    expect(await hostConnections('h1')).toBe(1);
  } finally {
    await host.shutdown();
  }
});

test('two StartActor for one id at once start one actor: the second answers once the first started it', async () => {
  const host = await Host.start({ hostId: 'h2', region: 'hs', servers: nats.url, ...PLATFORM_USER, dataDir: dir, kinds: [counterKind] });
  try {
    const t = host.transport;
    const actor = { kind: 'counter', id: 'c1' };
    const replies = await Promise.all([1, 2, 3].map(() => t.request(hostSubject('hs', 'h2'), { type: 'StartActor', actor }, { timeoutMs: 10_000 })));
    expect(replies.map((r) => r.type)).toEqual(['Ok', 'Ok', 'Ok']);
    // One cell, one subscription: the host's tree lists c1 once, and it never restarted.
    const ids = JSON.stringify(host.tree()).match(/"id":"c1"/g) ?? [];
    expect(ids.length).toBe(1);
    expect(host.cell('c1')?.state()).toBe('running');
    const sub = host.cell('c1')!;
    expect(sub.counters.errors).toBe(0);
  } finally {
    await host.shutdown();
  }
});
