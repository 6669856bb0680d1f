/**
 * The timestamp oracle: write timestamps strictly increase, reads see applied writes, and neither
 * goes backwards across a crash of the actor or of its whole host (in-process, real LevelDB).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../../runtime/host.js';
import { Transport } from '../../runtime/transport.js';
import { timelineKind } from '../../actors/control/timeline.js';
import { timelineSubject, type TimestampReply } from '../../protocol/control/timeline.js';
import { setupNats, eventually, PLATFORM_USER, type TestNats } from '../helpers/nats.js';

let nats: TestNats;
let t: Transport;
let dir: string;
const subject = timelineSubject('tl', 'main');

beforeAll(async () => {
  nats = await setupNats();
  dir = mkdtempSync(join(tmpdir(), 'dfn-tl-'));
  t = await Transport.connect({ servers: nats.url, name: 'test:tl', ...PLATFORM_USER });
});
afterAll(async () => {
  await t.close();
  await nats.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const start = () => Host.start({ hostId: 'tl', region: 'tl', servers: nats.url, ...PLATFORM_USER, dataDir: dir, kinds: [timelineKind] });
const ask = (type: string, extra: Record<string, unknown> = {}) => t.request<TimestampReply>(subject, { type, ...extra });

test('write timestamps increase, reads see applied writes, and both survive crashes', async () => {
  let host = await start();
  await host.startActor({ kind: 'timeline', id: 'main' });
  const seen: number[] = [];
  for (let i = 0; i < 200; i++) seen.push((await ask('WriteTs')).ts);
  for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
  const w = seen[seen.length - 1]!;
  expect((await ask('ApplyWrite', { ts: w })).readTs).toBe(w);
  expect((await ask('ReadTs')).ts).toBeGreaterThanOrEqual(w);
  await expect(ask('ApplyWrite', { ts: w + 10_000_000 })).rejects.toMatchObject({ code: 'InvalidRequest' });

  // Crash the actor: the next write timestamp is still beyond everything handed out.
  host.killActor('main');
  const afterKill = await eventually(() => ask('WriteTs'), 'timeline back');
  expect(afterKill.ts).toBeGreaterThan(w);
  expect((await ask('ReadTs')).ts).toBeGreaterThanOrEqual(w);

  // Crash the whole host without any stop hook, start it again on the same LevelDB.
  await host.crash();
  host = await start();
  const afterHost = await eventually(() => ask('WriteTs'), 'timeline back after host crash');
  expect(afterHost.ts).toBeGreaterThan(afterKill.ts);
  expect((await ask('ReadTs')).ts).toBeGreaterThanOrEqual(afterKill.ts);
  await host.shutdown();
});
