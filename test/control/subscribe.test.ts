/**
 * SUBSCRIBE through a CONTROL session on a real platform: snapshot, then updates in time order
 * with progress; resumed from the last progress timestamp after the client went away, it
 * continues with no gap and no duplicate.
 */
import type { SubscribeBatch, SubscribeStarted } from '../../protocol/control/response.js';
import { decode } from '../../protocol/codec.js';
import type { Update } from '../../protocol/types.js';
import { eventually, setupNats, type TestNats } from '../helpers/nats.js';
import { startPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectClient, type SqlClient } from './sql-client.js';

const region = 'ctlsub';
let nats: TestNats;
let p: TestPlatform;
let c: SqlClient;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  c = await connectClient(nats, region);
});
afterAll(async () => {
  await c?.close();
  await p?.cleanup();
  await nats?.cleanup();
});

/** Collects the batches of one subscription on an inbox. */
function collect(inbox: string): { batches: SubscribeBatch[]; stop(): void } {
  const batches: SubscribeBatch[] = [];
  const sub = c.transport.subscribe(inbox, (m) => batches.push(decode(m.data) as SubscribeBatch));
  return { batches, stop: () => sub.unsubscribe() };
}

/** Net contents of a list of updates, as sorted `row x count` strings. */
function net(updates: Update[]): string[] {
  const m = new Map<string, number>();
  for (const [row, , diff] of updates) m.set(JSON.stringify(row), (m.get(JSON.stringify(row)) ?? 0) + diff);
  return [...m].filter(([, n]) => n !== 0).map(([r, n]) => `${r}x${n}`).sort();
}

test('snapshot, updates and progress; resumable from the last progress', async () => {
  await c.sql("CREATE TABLE t (k int, v text); INSERT INTO t VALUES (1, 'a'), (2, NULL)");
  const inbox1 = `_INBOX.sub1.${Date.now()}`;
  const s1 = collect(inbox1);
  const started = await c.transport.request<SubscribeStarted>(c.session.subject, { type: 'Subscribe', sql: 'SUBSCRIBE t WITH (PROGRESS)', inbox: inbox1 });
  expect(started.columns).toEqual([{ name: 'k', type: 'int' }, { name: 'v', type: 'text' }]);
  // Snapshot first: both rows at the subscription's asOf.
  await eventually(() => s1.batches.some((b) => b.updates.length > 0), 'snapshot');
  const snapshot = s1.batches.find((b) => b.updates.length > 0)!;
  expect(net(snapshot.updates)).toEqual(['[1,"a"]x1', '[2,null]x1']);
  expect(snapshot.updates.every(([, t]) => t === started.asOf)).toBe(true);

  const [ins] = await c.sql("INSERT INTO t VALUES (3, 'c')");
  await eventually(() => s1.batches.some((b) => b.progress !== undefined && b.progress > ins!.timestamp!), 'progress past the insert');
  const all1 = s1.batches.flatMap((b) => b.updates);
  expect(all1).toContainEqual([[3, 'c'], ins!.timestamp!, 1]);
  // Updates arrive in non-decreasing time order, and seq numbers have no gap.
  const times = all1.map(([, t]) => t);
  expect(times).toEqual([...times].sort((a, b) => a - b));
  expect(s1.batches.map((b) => b.seq)).toEqual(s1.batches.map((_, i) => i));

  // The client goes away after a progress message; writes continue; it resumes from that progress.
  const lastProgress = Math.max(...s1.batches.flatMap((b) => (b.progress !== undefined ? [b.progress] : [])));
  const before = s1.batches.filter((b) => b.progress === undefined || b.progress <= lastProgress).flatMap((b) => b.updates);
  await c.transport.request(c.session.subject, { type: 'Cancel', subscription: started.subscription });
  s1.stop();
  const [del] = await c.sql('DELETE FROM t WHERE k = 1');
  const [ins2] = await c.sql("INSERT INTO t VALUES (4, 'd')");

  const inbox2 = `_INBOX.sub2.${Date.now()}`;
  const s2 = collect(inbox2);
  await c.transport.request<SubscribeStarted>(c.session.subject, { type: 'Subscribe', sql: 'SUBSCRIBE t WITH (PROGRESS)', inbox: inbox2, asOf: lastProgress });
  await eventually(() => s2.batches.some((b) => b.progress !== undefined && b.progress > ins2!.timestamp!), 'resumed progress');
  const after = s2.batches.flatMap((b) => b.updates);
  // Nothing before the resume point is repeated; everything after it arrives once.
  expect(after.every(([, t]) => t >= lastProgress)).toBe(true);
  expect(after).toContainEqual([[1, 'a'], del!.timestamp!, -1]);
  expect(after).toContainEqual([[4, 'd'], ins2!.timestamp!, 1]);
  expect(net([...before, ...after])).toEqual(net((await c.rows('SELECT k, v FROM t')).map((r) => [r, 0, 1] as Update)));
  s2.stop();
});

test('SUBSCRIBE errors: unknown object, views, queries', async () => {
  const sub = (sql: string) => c.transport.request(c.session.subject, { type: 'Subscribe', sql, inbox: '_INBOX.x' }).then(() => 'ok', (e: { details?: { sqlstate?: string } }) => e.details?.sqlstate);
  expect(await sub('SUBSCRIBE nope')).toBe('42P01');
  await c.sql('CREATE VIEW tv AS SELECT k FROM t');
  expect(await sub('SUBSCRIBE tv')).toBe('0A000');
  expect((await c.sqlError('SUBSCRIBE t')).sqlstate).toBe('0A000');
});

test('SUBSCRIBE to a materialized view gives its rows without the error column, and ends when the view errs', async () => {
  await c.sql('CREATE TABLE e (n int); INSERT INTO e VALUES (1); CREATE MATERIALIZED VIEW e_next AS SELECT n + 1 AS n1 FROM e');
  const inbox = `_INBOX.suberr.${Date.now()}`;
  const s = collect(inbox);
  await c.transport.request<SubscribeStarted>(c.session.subject, { type: 'Subscribe', sql: 'SUBSCRIBE e_next', inbox });
  await eventually(() => s.batches.some((b) => b.updates.length > 0), 'snapshot');
  expect(net(s.batches.flatMap((b) => b.updates))).toEqual(['[2]x1']);
  await c.sql('INSERT INTO e VALUES (2147483647)');
  await eventually(() => s.batches.some((b) => b.ended !== undefined), 'the end of the stream');
  expect(s.batches.at(-1)!.ended).toBe('failed: integer out of range');
  expect(net(s.batches.flatMap((b) => b.updates))).toEqual(['[2]x1']);
  s.stop();
});
