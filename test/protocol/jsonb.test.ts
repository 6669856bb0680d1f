/**
 * jsonb values (protocol/jsonb.ts): the canonical text of parsed documents, its round trip
 * through the msgpack codec, the subscription decoder (DecodedUpdates) and STORAGE's checks
 * (validateBatch and the one-pass encoded check agree: canonical documents accepted, anything
 * else refused), and the order / equality / hash key of Postgres' jsonb. PostgreSQL's own answers
 * are in test/control/jsonb-oracle.test.ts; these are the layer-local properties.
 */
import { encode, decode } from '../../protocol/codec.js';
import { DecodedUpdates } from '../../protocol/storage/encoded-updates.js';
import { compareJsonb, isCanonicalJsonb, jsonbKey, jsonbOf, jsonbText, jsonbValue, parseJsonb, JsonbInputError } from '../../protocol/jsonb.js';
import { hashValue, sameKeyValue } from '../../protocol/row-hash.js';
import { keyOf } from '../../protocol/compute/row.js';
import { checkEncodedBatch } from '../../actors/storage/encoded-batch.js';
import { validateBatch } from '../../actors/storage/validate.js';
import type { Column, Update } from '../../protocol/types.js';

const DOCS = ['{"b": 1, "aa": 2, "b": 3}', '[1.50, 1e3, -0, 1E-2]', '"x\\u00e9\\n\\u0001"', 'null', 'true', '{}', '[]', '{"a": {"b": [1, {"c": null}]}}', '"\\ud83d\\ude00"', '12345678901234567890.12300'];

test('canonical text: sorted keys (length, then bytes), the last duplicate kept, numbers as numeric prints them', () => {
  expect(DOCS.map((d) => jsonbText(parseJsonb(d)))).toEqual([
    '{"b": 3, "aa": 2}', '[1.50, 1000, 0, 0.01]', '"xé\\n\\u0001"', 'null', 'true', '{}', '[]', '{"a": {"b": [1, {"c": null}]}}', '"😀"', '12345678901234567890.12300',
  ]);
  for (const bad of ['{', '01', '[1,]', "'a'", '', '1 2', '"\\ud800"', 'nul', '{"a" 1}']) expect(() => parseJsonb(bad)).toThrow(JsonbInputError);
  expect(() => parseJsonb('"\\u0000"')).toThrow(expect.objectContaining({ code: '22P05' }));
});

test('round trip: codec, subscription decoder and STORAGE checks', () => {
  const values = DOCS.map((d) => jsonbValue(parseJsonb(d)));
  const schema: Column[] = [{ name: 'j', type: 'jsonb', nullable: true }];
  const updates: Update[] = [...values, null].map((v, i) => [[v], 10 + i, 1]);
  const bytes = encode(updates);
  expect(decode(bytes)).toEqual(updates);
  const d = new DecodedUpdates();
  d.append(bytes, 0, -1);
  expect(d.rows).toEqual(updates.map((u) => u[0]));
  expect(() => validateBatch('c', schema, updates, 0, 100)).not.toThrow();
  expect(checkEncodedBatch('c', schema, bytes, 0, 100).count).toBe(updates.length);
  // Not canonical (spacing, key order, a duplicate), not a document, not tagged: refused by both.
  for (const bad of ['\u0001{"a":1}', '\u0001{"b": 1, "a": 2}', '\u0001[1,', '{"a": 1}', '\u0001', 5]) {
    const u = [[[bad], 10, 1]];
    expect(() => validateBatch('c', schema, u as unknown[], 0, 100)).toThrow();
    expect(() => checkEncodedBatch('c', schema, encode(u), 0, 100)).toThrow();
    expect(isCanonicalJsonb(bad)).toBe(false);
  }
});

test('order, equality and hashing as Postgres: numbers by value, raw scalars, container sizes', () => {
  const v = (s: string) => jsonbValue(parseJsonb(s));
  const ordered = ['[]', 'null', '""', '"b"', '1', '2.5', 'false', 'true', '[1]', '[1, 2]', '{}', '{"b": 1}', '{"a": 1, "b": 2}'];
  for (let i = 0; i + 1 < ordered.length; i++) expect([ordered[i], compareJsonb(parseJsonb(ordered[i]!), parseJsonb(ordered[i + 1]!))]).toEqual([ordered[i], -1]);
  // A raw scalar before an array of one element, after an empty one (the element count first).
  expect(compareJsonb(parseJsonb('1'), parseJsonb('[]'))).toBe(1);
  expect(compareJsonb(parseJsonb('1'), parseJsonb('[1]'))).toBe(-1);
  const [a, b] = [v('{"n": 1.0, "m": [2.50]}'), v('{"m": [2.5], "n": 1}')];
  expect(a).not.toBe(b);
  expect(compareJsonb(jsonbOf(a), jsonbOf(b))).toBe(0);
  expect(sameKeyValue(a, b)).toBe(true);
  expect(hashValue(a)).toBe(hashValue(b));
  expect(jsonbKey(a)).toBe(jsonbKey(b));
  expect(keyOf([a])).toBe(keyOf([b]));
  expect(sameKeyValue(v('1'), v('[1]'))).toBe(false);
  expect(keyOf([v('1')])).not.toBe(keyOf([v('"1"')]));
});
