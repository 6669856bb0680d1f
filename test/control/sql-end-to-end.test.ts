/**
 * CONTROL end to end on a real platform (environment process with the coordinator, a storage
 * host, the default cluster's process): every statement kind through a client session over NATS,
 * with expected rows (NULLs, outer joins, aggregates over empty groups), errors with SQLSTATE,
 * settings, SHOW, consistency across sessions, and SELECTs no index answers computed by a
 * transient dataflow on the cluster.
 */
import { eventually, type TestNats } from '../helpers/nats.js';
import { treeSubject } from '../../protocol/inspect/subjects.js';
import { actorsIn } from '../../protocol/inspect/tree.js';
import type { Tree } from '../../protocol/inspect/messages.js';
import { computeControllerSubject } from '../../protocol/compute/subjects.js';
import type { ClusterList } from '../../protocol/compute/controller.js';
import type { TestPlatform } from '../helpers/platform.js';
import { sorted, type SqlClient, usePlatform } from './sql-client.js';

const region = 'ctle2e';
let nats: TestNats;
let p: TestPlatform;
let a: SqlClient;
let b: SqlClient;

const t = usePlatform(region, undefined, { second: true });
beforeAll(() => ({ nats, p, a, b } = t));

test('01-tables: CREATE TABLE, INSERT, SELECT with NULLs', async () => {
  const r = await a.sql('CREATE TABLE emp (id int NOT NULL, name text, dept int); CREATE TABLE dept (id int NOT NULL, dname text)');
  expect(r.map((x) => x.tag)).toEqual(['CREATE TABLE', 'CREATE TABLE']);
  const ins = await a.sql("INSERT INTO emp VALUES (1, 'ann', 10), (2, 'bob', NULL), (3, NULL, 20); INSERT INTO dept VALUES (10, 'eng'), (30, 'ops')");
  expect(ins.map((x) => x.tag)).toEqual(['INSERT 0 3', 'INSERT 0 2']);
  expect(ins[0]!.timestamp).toBeGreaterThan(0);
  const sel = await b.sql('SELECT id, name, dept FROM emp ORDER BY id');
  expect(sel[0]!.tag).toBe('SELECT 3');
  expect(sel[0]!.columns).toEqual([{ name: 'id', type: 'int' }, { name: 'name', type: 'text' }, { name: 'dept', type: 'int' }]);
  expect(sel[0]!.rows).toEqual([[1, 'ann', 10], [2, 'bob', null], [3, null, 20]]);
});

test('02-queries: outer joins, aggregates over empty groups', async () => {
  expect(await a.rows('SELECT e.id, d.dname FROM emp e LEFT JOIN dept d ON e.dept = d.id ORDER BY e.id')).toEqual([[1, 'eng'], [2, null], [3, null]]);
  expect(sorted(await a.rows('SELECT e.id, d.dname FROM emp e FULL JOIN dept d ON e.dept = d.id'))).toEqual(sorted([[1, 'eng'], [2, null], [3, null], [null, 'ops']]));
  expect(await a.rows('SELECT count(*), sum(dept), min(name) FROM emp WHERE id > 100')).toEqual([[0, null, null]]);
  expect(await a.rows('SELECT dept, count(*) FROM emp WHERE id > 100 GROUP BY dept')).toEqual([]);
  expect(await a.rows('SELECT dept, count(*) AS n FROM emp GROUP BY dept ORDER BY dept')).toEqual([[10, 1], [20, 1], [null, 1]]);
});

test('03-writes: UPDATE and DELETE', async () => {
  expect((await a.sql("UPDATE emp SET name = 'bo' WHERE id = 2"))[0]!.tag).toBe('UPDATE 1');
  expect((await a.sql('DELETE FROM emp WHERE name IS NULL'))[0]!.tag).toBe('DELETE 1');
  expect(await b.rows('SELECT * FROM emp ORDER BY id')).toEqual([[1, 'ann', 10], [2, 'bo', null]]);
});

test('04-errors carry SQLSTATE and change nothing', async () => {
  expect((await a.sqlError('SELECT * FROM nope')).sqlstate).toBe('42P01');
  expect((await a.sqlError('SELEC 1')).sqlstate).toBe('42601');
  expect((await a.sqlError("SELECT name + 1 FROM emp")).sqlstate).toBe('42804');
  expect((await a.sqlError('INSERT INTO emp VALUES (NULL, 1, 1)')).sqlstate).toMatch(/^(23502|42804)$/);
  expect((await a.sqlError('INSERT INTO emp VALUES (NULL, \'x\', 1)')).sqlstate).toBe('23502');
  expect((await a.sqlError('CREATE TABLE emp (x int)')).sqlstate).toBe('42P07');
  expect((await a.sqlError('SELECT 1/0')).sqlstate).toBe('22012');
  expect(await a.rows('SELECT count(*) FROM emp')).toEqual([[2]]);
});

test('05-views, materialized views, indexes; consistency across sessions', async () => {
  await a.sql('CREATE VIEW named AS SELECT id, name FROM emp WHERE name IS NOT NULL');
  expect(await b.rows('SELECT * FROM named ORDER BY id')).toEqual([[1, 'ann'], [2, 'bo']]);
  await a.sql('CREATE MATERIALIZED VIEW per_dept AS SELECT dept, count(*) AS n FROM emp GROUP BY dept');
  expect(sorted(await b.rows('SELECT * FROM per_dept'))).toEqual(sorted([[10, 1], [null, 1]]));
  // An INSERT acknowledged in session A is visible in session B's read of the materialized view.
  await a.sql("INSERT INTO emp VALUES (4, 'dan', 10)");
  expect(sorted(await b.rows('SELECT * FROM per_dept'))).toEqual(sorted([[10, 2], [null, 1]]));
  await a.sql('CREATE INDEX named_idx ON named (id)');
  await a.sql("INSERT INTO emp VALUES (5, 'eve', 30)");
  expect(await b.rows('SELECT name FROM named WHERE id >= 4 ORDER BY id')).toEqual([['dan'], ['eve']]);
  const show = await b.rows('SHOW OBJECTS');
  expect(show.map((r) => [r[0], r[1]])).toEqual([['dept', 'table'], ['emp', 'table'], ['named', 'view'], ['named_idx', 'index'], ['per_dept', 'materialized view']]);
});

test('06-drop: RESTRICT refuses with dependents, CASCADE drops them', async () => {
  expect((await a.sqlError('DROP TABLE emp')).sqlstate).toBe('2BP01');
  expect((await a.sql('DROP TABLE emp CASCADE'))[0]!.tag).toBe('DROP TABLE');
  expect((await a.rows('SHOW OBJECTS')).map((r) => r[0])).toEqual(['dept']);
  expect((await a.sqlError('SELECT * FROM per_dept')).sqlstate).toBe('42P01');
  expect((await a.sql('DROP TABLE IF EXISTS emp'))[0]!.notices).toHaveLength(1);
});

test('07-settings: SET / SHOW, serializable reads, AS OF', async () => {
  expect(await a.rows('SHOW transaction_isolation')).toEqual([['strict serializable']]);
  await a.sql("SET transaction_isolation = 'serializable'");
  expect(await a.rows('SHOW transaction_isolation')).toEqual([['serializable']]);
  expect(await a.rows('SELECT dname FROM dept ORDER BY 1')).toEqual([['eng'], ['ops']]);
  expect((await a.sqlError("SET transaction_isolation = 'chaos'")).sqlstate).toBe('22023');
  expect((await a.sqlError("SET nope = 1")).sqlstate).toBe('42704');
  expect((await a.sqlError("SET cluster = 'missing'")).sqlstate).toBe('42704');
  const [ins] = await a.sql("INSERT INTO dept VALUES (40, 'hr')");
  expect(await a.rows(`SELECT dname FROM dept ORDER BY 1 AS OF ${ins!.timestamp! - 1}`)).toEqual([['eng'], ['ops']]);
  expect(await a.rows(`SELECT dname FROM dept ORDER BY 1 AS OF ${ins!.timestamp!}`)).toEqual([['eng'], ['hr'], ['ops']]);
});

/** Messages the actors of `kind` have received (the inspection tree's counters, flushed each second). */
async function messagesIn(kind: string): Promise<number> {
  const tree = await p.transport.request<Tree>(treeSubject(region), { type: 'GetTree' });
  return actorsIn(tree.root).reduce((n, a) => n + (a.kind === kind ? (a.counters?.messagesIn ?? 0) : 0), 0);
}

/** messagesIn once it stopped changing (the counters are flushed once a second). */
async function settledMessagesIn(kind: string): Promise<number> {
  const { n } = await eventually(async () => {
    const first = await messagesIn(kind);
    await new Promise((r) => setTimeout(r, 1100));
    return first === (await messagesIn(kind)) ? { n: first } : undefined;
  }, `the ${kind} message counter settled`);
  return n;
}

test('08-a SELECT no index answers runs as a transient dataflow on the cluster, dropped after; over small collections, here', async () => {
  await a.sql('CREATE TABLE sales (region int NOT NULL, amount int)');
  await a.sql('INSERT INTO sales VALUES (1, 10), (1, 5), (2, 7)');
  // Over at most DFN_SMALL_READ_UPDATES (10,000) stored updates: read whole and evaluated in the
  // environment process, no dataflow installed.
  const quiet = await settledMessagesIn('compute-controller');
  expect(sorted(await b.rows('SELECT region, sum(amount) FROM sales GROUP BY region'))).toEqual(sorted([[1, 15], [2, 7]]));
  expect(await settledMessagesIn('compute-controller')).toBe(quiet);
  // With the bound at 0, the same SELECT goes to the cluster.
  await b.sql('SET small_read_updates = 0');
  expect(sorted(await b.rows('SELECT region, sum(amount) FROM sales GROUP BY region'))).toEqual(sorted([[1, 15], [2, 7]]));
  await eventually(async () => (await messagesIn('compute-controller')) >= quiet + 2, 'a transient dataflow with small_read_updates = 0');
  await b.sql('RESET small_read_updates');
  expect((await b.sqlError("SET small_read_updates = 'many'")).sqlstate).toBe('22023');
  // Past it: computed by the cluster (install and drop through the compute controller).
  await a.sql('INSERT INTO sales SELECT x % 3, x FROM generate_series(1, 10000) AS x');
  const before = await settledMessagesIn('compute-controller');
  expect(sorted(await b.rows('SELECT region, sum(amount) FROM sales GROUP BY region'))).toEqual(sorted([[0, 16668333], [1, 16671682], [2, 16665007]]));
  await eventually(async () => (await messagesIn('compute-controller')) >= before + 2, 'InstallDataflow and its drop reached the compute controller');
  const dataflows = async () => (await p.transport.request<ClusterList>(computeControllerSubject(region), { type: 'ListClusters' })).clusters.flatMap((c) => c.dataflows);
  await eventually(async () => (await dataflows()).every((id) => !id.startsWith('t')), 'the transient dataflow dropped');
});

test('09-a repeated SELECT reuses its plan only while the catalog is unchanged', async () => {
  const q = 'SELECT k, v FROM pc WHERE k > 0';
  await a.sql('CREATE TABLE pc (k int NOT NULL, v text)');
  await a.sql("INSERT INTO pc VALUES (1, 'x'), (2, 'y'), (0, 'z')");
  expect(sorted(await b.rows(q))).toEqual([[1, 'x'], [2, 'y']]);
  expect(sorted(await b.rows(q))).toEqual([[1, 'x'], [2, 'y']]); // planned once, run twice
  // An index created after the plan was cached: the same text now peeks the index.
  await a.sql('CREATE INDEX pc_idx ON pc (k)');
  const settled = await settledMessagesIn('cluster');
  for (let i = 0; i < 20; i++) expect(sorted(await b.rows(q))).toEqual([[1, 'x'], [2, 'y']]);
  await eventually(async () => (await messagesIn('cluster')) >= settled + 20, 'the SELECTs peeked the new index');
  // Dropped and recreated with other columns: the cached plan is not used.
  await a.sql('DROP TABLE pc CASCADE');
  expect((await b.sqlError(q)).sqlstate).toBe('42P01');
  await a.sql('CREATE TABLE pc (k int NOT NULL, w int, v text)');
  await a.sql("INSERT INTO pc VALUES (5, 50, 'five')");
  expect(await b.rows(q)).toEqual([[5, 'five']]);
  expect((await b.sql(q))[0]!.columns).toEqual([{ name: 'k', type: 'int' }, { name: 'v', type: 'text' }]);
});

test('10-strict serializable read timestamps never go backwards across a generator source and a table', async () => {
  // A generator's since follows the wall clock; the oracle's readTs moves with table writes and
  // the 1 s table tick, so a read of the source is often served above readTs. The oracle must
  // then follow, or a later read of a table in another session would be served earlier.
  // Both sessions strict serializable (07 left `a` serializable, whose reads may run ahead).
  await a.sql("SET transaction_isolation = 'strict serializable'");
  await b.sql("SET transaction_isolation = 'strict serializable'");
  await a.sql("CREATE SOURCE ticks FROM LOAD GENERATOR COUNTER (TICK INTERVAL '10ms')");
  await a.sql('CREATE TABLE quiet (x int)');
  let last = 0;
  await eventually(async () => (await a.rows('SELECT count(*) FROM ticks'))[0]![0] as number > 0, 'the generator ingesting');
  for (let i = 0; i < 30; i++) {
    const s = (await a.sql('SELECT count(*) FROM ticks'))[0]!.timestamp!;
    const t = (await b.sql('SELECT x FROM quiet'))[0]!.timestamp!;
    expect(s).toBeGreaterThanOrEqual(last);
    expect(t).toBeGreaterThanOrEqual(s);
    last = t;
  }
  await a.sql('DROP SOURCE ticks');
});

test('11-a point query over a relation larger than one message: through its index and through STORAGE', async () => {
  // 12,000 rows of 400 characters: ~5 MB, more than the 4 MiB a single message may carry.
  await a.sql('CREATE TABLE wide (id int NOT NULL, pad text)');
  const pad = 'p'.repeat(400);
  for (let i = 0; i < 12_000; i += 500) {
    await a.sql(`INSERT INTO wide VALUES ${Array.from({ length: 500 }, (_, j) => `(${i + j}, '${pad}')`).join(', ')}`);
  }
  // No index: the snapshot is streamed from STORAGE (one Snapshot reply would be too large).
  expect(await b.rows('SELECT id, length(pad) FROM wide WHERE id = 7')).toEqual([[7, 400]]);
  expect(await b.rows('SELECT count(*) FROM wide')).toEqual([[12_000]]);
  // Through an index: the filter runs in the peek, on the cluster; only the answer travels.
  await a.sql('CREATE INDEX wide_idx ON wide (id)');
  expect(await b.rows('SELECT id, length(pad) FROM wide WHERE id = 7')).toEqual([[7, 400]]);
  expect(sorted(await b.rows('SELECT id FROM wide WHERE id < 3'))).toEqual([[0], [1], [2]]);
  await a.sql('DROP TABLE wide CASCADE');
});

test('12-a point query on an index\'s key columns is a key lookup on the cluster; other filters read every row', async () => {
  await a.sql('CREATE TABLE kv (k text NOT NULL, n int NOT NULL, v int)');
  await a.sql(`INSERT INTO kv VALUES ${Array.from({ length: 600 }, (_, i) => `('k${i % 30}', ${i % 20}, ${i})`).join(', ')}`);
  await a.sql('CREATE INDEX kv_idx ON kv (k, n)');
  const want = (k: string, n: number) => Array.from({ length: 600 }, (_, i) => i).filter((i) => `k${i % 30}` === k && i % 20 === n).map((i) => [i]);
  const before = await lookupPeeks();
  // Every key column fixed to a literal of its type, in either order, beside another filter.
  expect(sorted(await b.rows("SELECT v FROM kv WHERE n = 7 AND k = 'k7'"))).toEqual(sorted(want('k7', 7)));
  expect(sorted(await b.rows("SELECT v FROM kv WHERE 'k13' = k AND n = 13 AND v > 100"))).toEqual(sorted(want('k13', 13).filter(([v]) => v! > 100)));
  expect(await b.rows("SELECT v FROM kv WHERE k = 'nope' AND n = 1")).toEqual([]);
  // An IN list: one lookup tuple per value.
  expect(sorted(await b.rows("SELECT v FROM kv WHERE k IN ('k1', 'k21') AND n = 1"))).toEqual(sorted([...want('k1', 1), ...want('k21', 1)]));
  // Under an aggregate, and in a DELETE's read: the filters go into the peek (index-pushdown.ts).
  expect(await b.rows("SELECT count(*), sum(v) FROM kv WHERE k = 'k2' AND n = 2")).toEqual([[want('k2', 2).length, want('k2', 2).reduce((x, [v]) => x + v!, 0)]]);
  expect((await a.sql("DELETE FROM kv WHERE k = 'k3' AND n = 3"))[0]!.tag).toBe(`DELETE ${want('k3', 3).length}`);
  await eventually(async () => (await lookupPeeks()) >= before + 6, 'six lookup peeks counted');
  // Part of the key, or a range: every row is read, the same answers as the filter gives.
  const counted = await lookupPeeks();
  expect((await b.rows("SELECT v FROM kv WHERE k = 'k7'")).length).toBe(20);
  expect((await b.rows("SELECT v FROM kv WHERE k = 'k7' AND n < 10")).length).toBe(10);
  await new Promise((r) => setTimeout(r, 1500)); // the inspection counters are flushed each second
  expect(await lookupPeeks()).toBe(counted);
  await a.sql('DROP TABLE kv CASCADE');
});

/** Peeks the clusters answered by a key lookup (their inspection info, flushed each second). */
async function lookupPeeks(): Promise<number> {
  const tree = await p.transport.request<Tree>(treeSubject(region), { type: 'GetTree' });
  return actorsIn(tree.root).reduce((n, a) => n + (a.kind === 'cluster' ? Number(a.info?.['lookupPeeks'] ?? 0) : 0), 0);
}
