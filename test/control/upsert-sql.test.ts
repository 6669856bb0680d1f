/**
 * Upsert and Debezium JetStream sources through SQL (issue #19): `CREATE SOURCE ... FORMAT JSON
 * (cols) KEY (id) ENVELOPE UPSERT | DEBEZIUM`, a materialized view over the source maintained as
 * keys are set, replaced and deleted, and the statement's bad input refused with its SQLSTATE.
 */
import { jetstreamManager, jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { eventually } from '../helpers/nats.js';
import { sorted, usePlatform, type SqlClient } from './sql-client.js';

let a: SqlClient;
const t = usePlatform('upsql', async (c) => {
  a = c;
  const jsm = await jetstreamManager(t.p.transport.nc);
  await jsm.streams.add({ name: 'ACCOUNTS', subjects: ['accounts.>'] });
});

test('an upsert source keeps one row per key; a view over it follows sets and deletes', async () => {
  await a.sql(`CREATE SOURCE accounts FROM JETSTREAM STREAM 'ACCOUNTS' FORMAT JSON (id int NOT NULL, owner text, balance bigint) KEY (id) ENVELOPE UPSERT`);
  await a.sql('CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n, sum(balance) AS total FROM accounts');
  const js = jetstream(t.p.transport.nc);
  const model = new Map<number, [string, number]>();
  for (let i = 0; i < 60; i++) {
    const id = (i * 7) % 13;
    if (i % 5 === 4) {
      const h = natsHeaders();
      h.set('Dfn-Key', JSON.stringify({ id }));
      await js.publish('accounts.x', new Uint8Array(0), { headers: h });
      model.delete(id);
    } else {
      await js.publish('accounts.x', JSON.stringify({ id, owner: `o${i}`, balance: i * 10 }));
      model.set(id, [`o${i}`, i * 10]);
    }
  }
  const expected = sorted([...model].map(([id, [owner, balance]]) => [id, owner, balance]));
  await eventually(async () => JSON.stringify(sorted(await a.rows('SELECT id, owner, balance FROM accounts'))) === JSON.stringify(expected), 'the source caught up');
  const total = [...model.values()].reduce((s, [, b]) => s + b, 0);
  await eventually(async () => JSON.stringify(await a.rows('SELECT n, total FROM totals')) === JSON.stringify([[model.size, total]]), 'the view caught up');
});

test('a Debezium source through SQL', async () => {
  await a.sql(`CREATE SOURCE people FROM JETSTREAM STREAM 'ACCOUNTS' SUBJECT 'accounts.people' FORMAT JSON (id int NOT NULL, name text) KEY (id) ENVELOPE DEBEZIUM`);
  const js = jetstream(t.p.transport.nc);
  await js.publish('accounts.people', JSON.stringify({ before: null, after: { id: 1, name: 'ann' }, op: 'c' }));
  await js.publish('accounts.people', JSON.stringify({ before: null, after: { id: 2, name: 'bob' }, op: 'c' }));
  await js.publish('accounts.people', JSON.stringify({ before: { id: 1, name: 'ann' }, after: { id: 1, name: 'anne' }, op: 'u' }));
  await js.publish('accounts.people', JSON.stringify({ before: { id: 2, name: 'bob' }, after: null, op: 'd' }));
  await eventually(async () => JSON.stringify(await a.rows('SELECT id, name FROM people')) === JSON.stringify([[1, 'anne']]), 'people caught up');
});

test('a jsonb column of a JSON source takes the field as its document, numbers as written (issue #18)', async () => {
  await a.sql(`CREATE SOURCE docs_src FROM JETSTREAM STREAM 'ACCOUNTS' SUBJECT 'accounts.docs' FORMAT JSON (id int NOT NULL, doc jsonb) KEY (id) ENVELOPE UPSERT`);
  const js = jetstream(t.p.transport.nc);
  await js.publish('accounts.docs', '{"id": 1, "doc": {"b": [1.50, 12345678901234567890123], "a": {"x": null}, "b": 2}}');
  await js.publish('accounts.docs', '{"id": 2, "doc": "text"}');
  await js.publish('accounts.docs', '{"id": 3}');
  await js.publish('accounts.docs', '{"id": 4, "doc": 1e3}');
  const want = [[1, '{"a": {"x": null}, "b": 2}', '2'], [2, '"text"', null], [3, null, null], [4, '1000', null]];
  await eventually(async () => JSON.stringify(sorted(await a.rows("SELECT id, doc::text, doc ->> 'b' FROM docs_src"))) === JSON.stringify(want), 'the jsonb source caught up');
});

test('bad KEY / ENVELOPE clauses are refused and create nothing', async () => {
  const base = `CREATE SOURCE bad FROM JETSTREAM STREAM 'ACCOUNTS' FORMAT JSON (id int, v text)`;
  expect((await a.sqlError(`${base} ENVELOPE UPSERT`)).sqlstate).toBe('22023');
  expect((await a.sqlError(`${base} KEY (id)`)).sqlstate).toBe('22023');
  expect((await a.sqlError(`${base} KEY (nope) ENVELOPE UPSERT`)).sqlstate).toBe('42703');
  expect((await a.sqlError(`${base} KEY (id, id) ENVELOPE UPSERT`)).sqlstate).toBe('42701');
  expect((await a.sqlError(`${base} KEY (id) ENVELOPE SIDEWAYS`)).sqlstate).toBe('42601');
  expect((await a.sqlError('SELECT * FROM bad')).sqlstate).toBe('42P01');
});
