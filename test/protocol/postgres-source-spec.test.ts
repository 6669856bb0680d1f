/**
 * The `postgres` source spec: a complete one validates and round-trips through the wire codec
 * inside CreateSource; the collection schema puts `_table` first and every table's columns after
 * it, nullable; bad specs (slot name, no tables, unknown type) are refused by the schema.
 */
import { Value } from '@sinclair/typebox/value';
import { encode, decode } from '../../protocol/codec.js';
import { CreateSource } from '../../protocol/storage/command.js';
import { postgresSchema, PostgresSource } from '../../protocol/storage/source.js';

const tables = [
  { schema: 'public', name: 'a', columns: [{ name: 'id', typeOid: 23, type: 'int' as const }, { name: 'v', typeOid: 25, type: 'text' as const }] },
  { schema: 'sales', name: 'b', columns: [{ name: 'k', typeOid: 20, type: 'bigint' as const }] },
];
const spec = {
  kind: 'postgres', connection: { host: '127.0.0.1', port: 5432, user: 'repl', password: 'x', database: 'shop' },
  publication: 'p', slot: 'dfn_r_u7_0a1b2c3d', tables, schema: postgresSchema(tables),
};

test('a postgres CreateSource validates and round-trips', () => {
  const msg = { type: 'CreateSource', id: 'u7', spec };
  expect(Value.Check(CreateSource, msg)).toBe(true);
  expect(decode(encode(msg))).toEqual(msg);
  expect(spec.schema).toEqual([
    { name: '_table', type: 'int', nullable: false },
    { name: 't0_id', type: 'int', nullable: true },
    { name: 't0_v', type: 'text', nullable: true },
    { name: 't1_k', type: 'bigint', nullable: true },
  ]);
});

test('bad postgres specs are refused by the schema', () => {
  expect(Value.Check(PostgresSource, { ...spec, slot: 'Bad-Slot' })).toBe(false);
  expect(Value.Check(PostgresSource, { ...spec, tables: [] })).toBe(false);
  expect(Value.Check(PostgresSource, { ...spec, tables: [{ ...tables[0]!, columns: [{ name: 'x', typeOid: 1186, type: 'interval-ish' }] }] })).toBe(false);
  expect(Value.Check(PostgresSource, { ...spec, connection: { ...spec.connection, port: 0 } })).toBe(false);
});
