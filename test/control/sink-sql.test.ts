/**
 * CREATE SINK ... INTO JETSTREAM through SQL (issue #19): a materialized view's changes published
 * with ENVELOPE UPSERT, read back by an upsert source on the same stream, which must equal the
 * view after inserts, updates and deletes; SHOW SINKS, DROP SINK, dependencies, and bad input.
 */
import { eventually } from '../helpers/nats.js';
import { sorted, usePlatform, type SqlClient } from './sql-client.js';

let a: SqlClient;
usePlatform('sinksql', async (c) => {
  a = c;
});

const same = async (x: string, y: string) => JSON.stringify(sorted(await a.rows(x))) === JSON.stringify(sorted(await a.rows(y)));

test('an upsert sink of a view, read back by an upsert source, equals the view', async () => {
  await a.sql('CREATE TABLE orders (id int NOT NULL, customer text NOT NULL, amount bigint NOT NULL)');
  await a.sql("INSERT INTO orders VALUES (1, 'ann', 10), (2, 'bob', 5), (3, 'ann', 7)");
  await a.sql('CREATE MATERIALIZED VIEW spend AS SELECT customer, sum(amount) AS total, count(*) AS n FROM orders GROUP BY customer');
  await a.sql(`CREATE SINK spend_out FROM spend INTO JETSTREAM STREAM 'SPEND' SUBJECT 'spend.by_customer' KEY (customer) FORMAT JSON ENVELOPE UPSERT`);
  await a.sql(`CREATE SOURCE spend_back FROM JETSTREAM STREAM 'SPEND' SUBJECT 'spend.by_customer' FORMAT JSON (customer text NOT NULL, total numeric, n bigint) KEY (customer) ENVELOPE UPSERT`);
  await eventually(() => same('SELECT customer, total, n FROM spend_back', 'SELECT customer, total, n FROM spend'), 'the snapshot went round');
  await a.sql("INSERT INTO orders VALUES (4, 'cy', 1), (5, 'bob', 2)");
  await a.sql("UPDATE orders SET amount = amount * 2 WHERE customer = 'ann'");
  await a.sql("DELETE FROM orders WHERE customer = 'bob'");
  await eventually(() => same('SELECT customer, total, n FROM spend_back', 'SELECT customer, total, n FROM spend'), 'the changes went round');
  expect(sorted(await a.rows('SELECT customer, total, n FROM spend_back'))).toEqual([['ann', 34, 2], ['cy', 1, 1]]);
  expect(await a.rows('SHOW SINKS')).toEqual([['spend_out', 'sink', null]]);
  const [status] = await a.rows('SHOW SINK STATUSES');
  expect(status!.slice(0, 6)).toEqual(['spend_out', 'jetstream', 'running', null, 'SPEND', 'spend.by_customer']);
  expect(status![6]).toBeGreaterThanOrEqual(5); // the snapshot's 2 and the changes' messages
  expect(status![7]).toBeGreaterThan(0);
});

test('SHOW SINK STATUSES shows a stalled sink with its reason', async () => {
  await a.sql(`CREATE SINK by_customer FROM orders INTO JETSTREAM STREAM 'BYC' KEY (customer) FORMAT JSON ENVELOPE UPSERT`);
  let seen: unknown;
  const row = await eventually(async () => {
    seen = (await a.rows('SHOW SINK STATUSES')).find((r) => r[0] === 'by_customer');
    return (seen as unknown[] | undefined)?.[2] === 'stalled' ? (seen as unknown[]) : undefined;
  }, 'stalled').catch((err: Error) => {
    throw new Error(`${err.message}; last status row: ${JSON.stringify(seen)}`);
  });
  expect(row[3]).toMatch(/key is not unique/); // ann has two orders
  await a.sql('DROP SINK by_customer');
  expect((await a.rows('SHOW SINK STATUSES')).map((r) => r[0])).toEqual(['spend_out']);
});

test('a sink depends on what it reads; DROP SINK stops it', async () => {
  expect((await a.sqlError('DROP MATERIALIZED VIEW spend')).sqlstate).toBe('2BP01');
  await a.sql('DROP SINK spend_out');
  expect(await a.rows('SHOW SINKS')).toEqual([]);
  await a.sql("INSERT INTO orders VALUES (6, 'dee', 3)");
  await new Promise((r) => setTimeout(r, 1500));
  expect(await a.rows("SELECT customer FROM spend_back WHERE customer = 'dee'")).toEqual([]);
  expect((await a.sqlError('DROP SINK spend_out')).sqlstate).toBe('42P01');
  await a.sql('DROP SINK IF EXISTS spend_out');
});

test('bad CREATE SINK statements are refused and create nothing', async () => {
  await a.sql('CREATE VIEW plain AS SELECT id FROM orders');
  const bad = async (sql: string, sqlstate: string) => expect((await a.sqlError(sql)).sqlstate).toBe(sqlstate);
  await bad(`CREATE SINK s1 FROM plain INTO JETSTREAM STREAM 'X' KEY (id) FORMAT JSON ENVELOPE UPSERT`, '0A000');
  await bad(`CREATE SINK s1 FROM orders INTO JETSTREAM STREAM 'X' FORMAT JSON ENVELOPE UPSERT`, '22023');
  await bad(`CREATE SINK s1 FROM orders INTO JETSTREAM STREAM 'X' KEY (nope) FORMAT JSON ENVELOPE UPSERT`, '42703');
  await bad(`CREATE SINK s1 FROM orders INTO JETSTREAM STREAM 'X' SUBJECT 'dfn.sinksql.control.x' KEY (id) FORMAT JSON ENVELOPE UPSERT`, '42501');
  await bad(`CREATE SINK s1 FROM orders INTO JETSTREAM STREAM 'X' SUBJECT 'x.>' KEY (id) FORMAT JSON ENVELOPE UPSERT`, '22023');
  await bad(`CREATE SINK s1 FROM nope INTO JETSTREAM STREAM 'X' KEY (id) FORMAT JSON ENVELOPE UPSERT`, '42P01');
  await bad(`CREATE SINK s1 FROM orders INTO JETSTREAM STREAM 'X' FORMAT XML ENVELOPE UPSERT`, '42601');
  expect(await a.rows('SHOW SINKS')).toEqual([]);
});

test('exact numerics and bigints go round a JSON and a msgpack sink unrounded, at their scale (issue #18)', async () => {
  await a.sql('CREATE TABLE amounts (id int NOT NULL, amount numeric NOT NULL, big bigint)');
  await a.sql("INSERT INTO amounts VALUES (1, 1.50, 9007199254740993), (2, 12345678901234567890.12, -9223372036854775808), (3, 0.1, 9223372036854775807), (4, -7, 5)");
  await a.sql('CREATE MATERIALIZED VIEW amounts_v AS SELECT id, amount, amount * 2 AS twice, big FROM amounts');
  for (const format of ['JSON', 'MSGPACK']) {
    await a.sql(`CREATE SINK amounts_${format} FROM amounts_v INTO JETSTREAM STREAM 'AMOUNTS_${format}' SUBJECT 'amounts.${format}' KEY (id) FORMAT ${format} ENVELOPE UPSERT`);
    await a.sql(`CREATE SOURCE amounts_back_${format} FROM JETSTREAM STREAM 'AMOUNTS_${format}' SUBJECT 'amounts.${format}' FORMAT ${format} (id int NOT NULL, amount numeric, twice numeric, big bigint) KEY (id) ENVELOPE UPSERT`);
    await eventually(async () => (await a.rows(`SELECT count(*) FROM amounts_back_${format}`))[0]![0] === 4, `the ${format} sink went round`);
    const text = await a.rows(`SELECT id, amount::text, twice::text, big::text, big = (SELECT big FROM amounts WHERE id = 1) FROM amounts_back_${format} ORDER BY id`);
    expect(text).toEqual([
      [1, '1.50', '3.00', '9007199254740993', true],
      [2, '12345678901234567890.12', '24691357802469135780.24', '-9223372036854775808', false],
      [3, '0.1', '0.2', '9223372036854775807', false],
      [4, '-7', '-14', '5', false],
    ]);
  }
});
