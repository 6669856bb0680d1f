/**
 * Issue #16: a cluster's subscription to an idle table follows its host's txns upper
 * (docs/decoupling.md): the storage host stops pumping it per commit, and one entry per
 * subscriber carries the progress of all of them. On a real platform: the subscriptions of
 * materialized views over idle tables come to follow (the collection's inspection info), and the
 * views stay exact through writes racing the follow/unfollow hand-offs (each INSERT is read back
 * through its view at once, with pauses that let the subscription follow again in between), and
 * a table that is never written stays readable through its view at the newest time.
 */
import { eventually, type TestNats } from '../helpers/nats.js';
import type { TestPlatform } from '../helpers/platform.js';
import { treeSubject } from '../../protocol/inspect/subjects.js';
import { actorsIn } from '../../protocol/inspect/tree.js';
import type { Tree } from '../../protocol/inspect/messages.js';
import { type SqlClient, usePlatform } from './sql-client.js';

const region = 'txnsfollow';
let nats: TestNats;
let p: TestPlatform;
let a: SqlClient;
let b: SqlClient;

const t = usePlatform(region, undefined, { second: true });
beforeAll(() => ({ nats, p, a, b } = t));

/** Views whose collections follow the txns upper (their sinks send no empty appends meanwhile). */
async function viewsFollowing(): Promise<number> {
  const tree = await p.transport.request<Tree>(treeSubject(region), { type: 'GetTree' });
  return actorsIn(tree.root).reduce((n, x) => n + (x.kind === 'collection' && x.info?.['followsTxns'] ? 1 : 0), 0);
}

/** Subscriptions following the txns upper, over all table collections (inspection info, flushed each second). */
async function following(): Promise<number> {
  const tree = await p.transport.request<Tree>(treeSubject(region), { type: 'GetTree' });
  return actorsIn(tree.root).reduce((n, x) => n + (x.kind === 'collection' ? Number(x.info?.['followingTxns'] ?? 0) : 0), 0);
}

test('subscriptions to idle tables follow the txns upper, and views stay exact across writes', async () => {
  const TABLES = 5;
  for (let i = 0; i < TABLES; i++) {
    await a.sql(`CREATE TABLE t${i} (x int); CREATE MATERIALIZED VIEW v${i} AS SELECT count(*) AS n, sum(x) AS s FROM t${i}`);
  }
  // A view over a view does not follow (its input is no txns table) and stays exact all the same.
  await a.sql('CREATE MATERIALIZED VIEW vv AS SELECT sum(n) AS total FROM v0');
  await eventually(async () => (await following()) >= TABLES, 'every view input follows the txns upper');
  await eventually(async () => (await viewsFollowing()) >= TABLES, 'every view over a table follows the txns upper');

  const expected = Array.from({ length: TABLES }, () => ({ n: 0, s: 0 }));
  for (let round = 0; round < 120; round++) {
    const i = round % TABLES;
    const x = (round * 7919) % 1000;
    await (round % 2 ? a : b).sql(`INSERT INTO t${i} VALUES (${x})`);
    expected[i]!.n++;
    expected[i]!.s += x;
    // Read-your-writes through the view, from the other session.
    expect(await (round % 2 ? b : a).rows(`SELECT n, s FROM v${i}`)).toEqual([[expected[i]!.n, expected[i]!.s]]);
    if (round % 10 === 9) await new Promise((r) => setTimeout(r, 30 + (round % 3) * 500));
  }
  for (let i = 0; i < TABLES; i++) expect(await a.rows(`SELECT n, s FROM v${i}`)).toEqual([[expected[i]!.n, expected[i]!.s]]);
  expect(await a.rows('SELECT total FROM vv')).toEqual([[expected[0]!.n]]);
  // Idle again: they follow again.
  await eventually(async () => (await following()) >= TABLES, 'the inputs follow again once idle');
  await eventually(async () => (await viewsFollowing()) >= TABLES, 'the views follow again once idle');
  // Another table's write moves the timeline; every idle view answers at the newest time.
  await a.sql('CREATE TABLE other (x int)');
  await a.sql('INSERT INTO other VALUES (1)');
  for (let i = 0; i < TABLES; i++) expect(await b.rows(`SELECT n FROM v${i}`)).toEqual([[expected[i]!.n]]);
});
