/**
 * Exact numbers in JSON (issue #18): parseJsonExact keeps the digits a double would round, the
 * JetStream sources' field coercion turns them into exact numerics, and a sink's JSON and msgpack
 * payloads print a tagged numeric's digits (never the NUL tag, never a rounded double).
 */
import { JsonNumber, parseJsonExact, stringifyJsonExact } from '../../protocol/exact-json.js';
import { coerceField } from '../../actors/storage/sources/coerce.js';
import { messagesAt } from '../../actors/storage/sinks/sink-messages.js';
import { decode } from '../../protocol/codec.js';
import type { Column } from '../../protocol/types.js';

const col = (type: Column['type']): Column => ({ name: 'c', type, nullable: true });

test('parseJsonExact: JSON.parse, with non-canonical numbers kept as text', () => {
  expect(parseJsonExact('{"a": 1.5, "b": [1, "x\\"1.50"], "c": null}')).toEqual({ a: 1.5, b: [1, 'x"1.50'], c: null });
  const v = parseJsonExact('{"a": 1.50, "b": [12345678901234567890, -0, 1e3, 2], "s": "1.50", "t": true}') as Record<string, unknown>;
  expect(v.a).toEqual(new JsonNumber('1.50'));
  expect(v.b).toEqual([new JsonNumber('12345678901234567890'), new JsonNumber('-0'), new JsonNumber('1e3'), 2]);
  expect(v.s).toBe('1.50');
  expect(v.t).toBe(true);
  expect(() => parseJsonExact('{"a": 01}')).toThrow(SyntaxError);
  expect(stringifyJsonExact(v)).toBe('{"a":1.50,"b":[12345678901234567890,0,1000,2],"s":"1.50","t":true}');
});

test('coerceField: exact numerics from JSON numbers and digit strings; integers only when integral', () => {
  expect(coerceField(new JsonNumber('1.50'), col('numeric'))).toBe('\u00001.50');
  expect(coerceField('12345678901234567890.5', col('numeric'))).toBe('\u000012345678901234567890.5');
  expect(coerceField('1.5', col('numeric'))).toBe(1.5);
  expect(coerceField('abc', col('numeric'))).toBeUndefined();
  expect(coerceField(new JsonNumber('1e3'), col('int'))).toBe(1000);
  expect(coerceField(new JsonNumber('12.0000000000000001'), col('int'))).toBeUndefined();
  expect(coerceField(new JsonNumber('0.10000000000000001'), col('float'))).toBe(0.1);
  expect(coerceField([new JsonNumber('2.50'), null], col('numeric[]'))).toEqual(['\u00002.50', null]);
});

test("a sink's JSON and msgpack carry a numeric's digits", () => {
  const schema: Column[] = [{ name: 'id', type: 'int', nullable: false }, { name: 'n', type: 'numeric', nullable: true }];
  const updates: Array<[Array<number | string>, number, number]> = [[[1, '\u00001.50'], 5, 1], [[2, '\u000012345678901234567890.12'], 5, 1], [[3, 0.5], 5, 1]];
  const json = messagesAt(updates, { envelope: 'upsert', format: 'json', schema, keyIndexes: [0] }).map((m) => new TextDecoder().decode(m.data));
  expect(json).toEqual(['{"id":1,"n":1.50}', '{"id":2,"n":12345678901234567890.12}', '{"id":3,"n":0.5}']);
  const packed = messagesAt(updates, { envelope: 'upsert', format: 'msgpack', schema, keyIndexes: [0] }).map((m) => decode(m.data));
  expect(packed).toEqual([{ id: 1, n: '1.50' }, { id: 2, n: '12345678901234567890.12' }, { id: 3, n: 0.5 }]);
});
