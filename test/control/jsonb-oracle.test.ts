/**
 * The jsonb type against PostgreSQL 15 (the oracle, issue #18): input and its canonical text
 * (key order, duplicate keys, spacing, numbers as written), bad input (22P02 / 22P05), casts,
 * the operators, the functions, the set-returning functions (in FROM, LATERAL and the select
 * list), the aggregates, and jsonb columns in tables and materialized views through INSERT and
 * DELETE rounds: GROUP BY, DISTINCT, joins and ORDER BY by jsonb's own equality and order
 * ('1.0' = '1'; objects after arrays after scalars).
 */
import { both, outcome, same, usePgPlatform } from './pg-platform.js';

const t = usePgPlatform('jsonbor', { database: 'definite_jsonb_test', fresh: true });

/** Both give the same text rows (or the same SQLSTATE), each query in turn. */
async function sameAll(queries: string[]): Promise<void> {
  for (const q of queries) await same(t, q);
}

test('jsonb literals: canonical text, numbers as written, and bad input', async () => {
  await sameAll([
    `SELECT '{"b": 1, "aa": [1, 2.50, {"z": null, "a": true}], "b": 3, "c": "x\\u00e9\\n\\"/"}'::jsonb`,
    `SELECT '[1.50, 1e3, -0, 1E-2, 12345678901234567890.123, -1.5e+2]'::jsonb`,
    `SELECT '  "a"  '::jsonb, 'null'::jsonb, 'true'::jsonb, '[]'::jsonb, '{}'::jsonb, '"\\ud83d\\ude00"'::jsonb`,
    `SELECT '{"a":{"b":{"c":[[],{}]}}}'::jsonb`,
    `SELECT jsonb '{"k": 1}', CAST('[1,2]' AS jsonb)`,
  ]);
  // The type on the wire: jsonb (3802), as PostgreSQL describes it.
  const q = `SELECT '{"a": 1}'::jsonb AS j`;
  const [ours, theirs] = [await t.ours.query(q), await t.oracle.query(q)];
  expect(ours.fields.map((f) => [f.name, f.dataTypeID])).toEqual(theirs.fields.map((f) => [f.name, f.dataTypeID]));
  for (const bad of ['{', '01', '{"a" 1}', '[1,]', 'nul', "'x'", '"\\x"', '{"a":1}}', '', '1 2', '"\\ud800"', '"a\tb"']) {
    await same(t, `SELECT '${bad.replace(/'/g, "''")}'::jsonb`);
  }
  await same(t, `SELECT '"\\u0000"'::jsonb`);
  await same(t, `SELECT ('{"a": ' || '1' || '}')::jsonb, ('x' || '1')::jsonb`);
});

test('jsonb casts', async () => {
  await sameAll([
    `SELECT ('1'::jsonb)::int, ('1.5'::jsonb)::int, ('2.5'::jsonb)::bigint, ('-7'::jsonb)::smallint, ('1e2'::jsonb)::numeric, ('1.50'::jsonb)::numeric`,
    `SELECT ('1.5'::jsonb)::float8, ('true'::jsonb)::bool, ('false'::jsonb)::boolean`,
    `SELECT ('{"a": 1}'::jsonb)::text, ('"x"'::jsonb)::text, '[1, 2]'::text::jsonb`,
    `SELECT ('"1"'::jsonb)::int`,
    `SELECT ('null'::jsonb)::int`,
    `SELECT ('[1]'::jsonb)::numeric`,
    `SELECT ('1'::jsonb)::bool`,
    `SELECT ('true'::jsonb)::int`,
    `SELECT ('99999999999'::jsonb)::int`,
  ]);
});

test('jsonb operators', async () => {
  const d = `'{"a": {"b": [10, 20, {"c": "x"}]}, "n": null, "s": "str", "k": 1.50}'::jsonb`;
  await sameAll([
    `SELECT ${d} -> 'a', ${d} -> 'n', ${d} -> 'missing', ${d} ->> 's', ${d} ->> 'n', ${d} ->> 'k', ${d} ->> 'a'`,
    `SELECT '[1, "two", [3]]'::jsonb -> 0, '[1, "two", [3]]'::jsonb -> -1, '[1, "two", [3]]'::jsonb ->> 1, '[1]'::jsonb -> 5, '{"0": 1}'::jsonb -> 0, '[1]'::jsonb -> 'a'`,
    `SELECT ${d} #> '{a,b,2,c}', ${d} #>> '{a,b,2,c}', ${d} #> '{a,b,-1}', ${d} #> '{}', ${d} #>> '{a,x}', ${d} #> '{a,b,z}'`,
    `SELECT '{"a": 1, "b": {"c": [1, 2]}}'::jsonb @> '{"b": {"c": [2]}}', '{"a": 1}'::jsonb @> '{"a": 1.0}', '[1, 2, [3, 4]]'::jsonb @> '[[4], 1]'`,
    `SELECT '[1, 2]'::jsonb @> '1', '1'::jsonb @> '[1]', '{"a": [1, 2]}'::jsonb @> '{"a": 1}', '[{"a": 1, "b": 2}]'::jsonb @> '[{"a": 1}]', '"a"'::jsonb @> '"a"'`,
    `SELECT '{"a": 1}'::jsonb <@ '{"a": 1, "b": 2}', '[]'::jsonb <@ '[1]', '{}'::jsonb @> '{}'`,
    `SELECT ${d} ? 'a', ${d} ? 'c', '["a", "b", 1]'::jsonb ? 'b', '["a", 1]'::jsonb ? '1', '"a"'::jsonb ? 'a'`,
    `SELECT ${d} ?| array['x', 's'], ${d} ?| '{x,y}', ${d} ?& array['a', 's'], ${d} ?& array['a', 'q'], '["a"]'::jsonb ?& '{}'`,
    `SELECT '{"a": 1, "b": 2}'::jsonb || '{"b": 3, "c": 4}', '[1, 2]'::jsonb || '[3]', '[1]'::jsonb || '2', '1'::jsonb || '2', '{"a": 1}'::jsonb || '[1]', '"x"'::jsonb || '{"a": 1}'`,
    `SELECT '{"a": 1, "b": 2}'::jsonb - 'a', '["a", "b", "a", 1]'::jsonb - 'a', '[1, 2, 3]'::jsonb - 1, '[1, 2, 3]'::jsonb - -1, '{"a": 1, "b": 2, "c": 3}'::jsonb - array['a', 'c']`,
    `SELECT '1'::jsonb - 'a'`,
    `SELECT '{"a": 1}'::jsonb - 0`,
    `SELECT '1'::jsonb = '1.0', '{"a": 1, "b": 2}'::jsonb = '{"b": 2, "a": 1}', '[1, 2]'::jsonb <> '[2, 1]', '"b"'::jsonb > '"a"', '[]'::jsonb > '1', '{}'::jsonb > '[1, 2, 3]', 'null'::jsonb < '"a"', '1'::jsonb < 'true'`,
    `SELECT '1'::jsonb < '[]', '1'::jsonb < '[1]', '[1, 2]'::jsonb > '[3]', '{"b": 1}'::jsonb > '{"a": 2}', '{"aa": 1}'::jsonb > '{"b": 1}', '[null]'::jsonb < '["a"]', '[true]'::jsonb < '[[]]'`,
  ]);
});

test('jsonb functions and set-returning functions', async () => {
  await sameAll([
    `SELECT jsonb_build_object('a', 1, 'b', 'x', 'c', NULL, 'd', true, 'e', 1.50, 'a', 2)`,
    `SELECT jsonb_build_object(), jsonb_build_array(), jsonb_build_array(1, 'a', NULL, '{"x": 1}'::jsonb, ARRAY[1, 2], 2.5::float8)`,
    `SELECT jsonb_build_object(1, 2, true, 'x')`,
    `SELECT jsonb_build_object('a')`,
    `SELECT jsonb_build_object(NULL, 1)`,
    `SELECT to_jsonb(1), to_jsonb('a'::text), to_jsonb(1.50), to_jsonb(true), to_jsonb(ARRAY['a', NULL]), to_jsonb('{"a": 1}'::jsonb), to_jsonb(NULL::int)`,
    `SELECT to_jsonb(DATE '2024-02-03'), to_jsonb(TIMESTAMP '2024-02-03 04:05:06.5'), to_jsonb('NaN'::float8), to_jsonb(1e20::float8)`,
    `SELECT jsonb_typeof('{}'), jsonb_typeof('[]'), jsonb_typeof('1'), jsonb_typeof('"a"'), jsonb_typeof('null'), jsonb_typeof('false'), jsonb_typeof(NULL)`,
    `SELECT jsonb_array_length('[1, [2, 3], 4]'), jsonb_array_length('[]')`,
    `SELECT jsonb_array_length('{}')`,
    `SELECT jsonb_array_length('1')`,
    `SELECT * FROM jsonb_array_elements('[1, "a", null, [2], {"b": 3}]') WITH ORDINALITY ORDER BY ordinality`,
    `SELECT value, ordinality FROM jsonb_array_elements_text('[1, "a", null, [2], {"b": 3}]') WITH ORDINALITY ORDER BY ordinality`,
    `SELECT * FROM jsonb_array_elements('[3, 1, 2]') AS e ORDER BY e.value`,
    `SELECT * FROM jsonb_each('{"b": 1, "a": "x", "c": null, "aa": [1]}') ORDER BY key`,
    `SELECT key, value FROM jsonb_each_text('{"b": 1, "a": "x", "c": null, "aa": [1]}') AS e ORDER BY e.key`,
    `SELECT * FROM jsonb_object_keys('{"b": 1, "a": 2, "aa": 3}') ORDER BY 1`,
    `SELECT k FROM jsonb_object_keys('{"b": 1}') AS k`,
    `SELECT * FROM jsonb_each('[1]')`,
    `SELECT * FROM jsonb_array_elements('{"a": 1}')`,
    `SELECT * FROM jsonb_array_elements('1')`,
    `SELECT * FROM jsonb_object_keys('[1]')`,
    `SELECT x FROM (SELECT jsonb_array_elements('[1, 2, 3]') AS x, jsonb_object_keys('{"x": 1}') AS k) s ORDER BY x`,
    `SELECT jsonb_array_elements_text('["a", 2]') AS v ORDER BY v`,
    `SELECT NULL::jsonb -> 'a', '{"a": 1}'::jsonb -> NULL::text, NULL::jsonb @> '{}', jsonb_typeof(NULL::jsonb -> 'x'), coalesce(NULL::jsonb, '[]')`,
    `SELECT CASE WHEN true THEN '{"a": 1}'::jsonb ELSE '[]' END, '1'::jsonb IN ('1.0', '2'), greatest('1'::jsonb, '[]'), nullif('1'::jsonb, '1.00')`,
    `SELECT j FROM (VALUES ('{"b": 1}'::jsonb), ('[1]'), ('{"b": 1}'), ('1.0')) v(j) UNION SELECT '1.0'::jsonb ORDER BY 1`,
    `SELECT jsonb_agg(x), jsonb_object_agg(x, x) FROM generate_series(1, 0) AS x`,
    `SELECT jsonb_object_agg(k, v) FROM (VALUES (NULL, 1)) t(k, v)`,
  ]);
});

test('jsonb columns in tables and materialized views, through writes', async () => {
  await both(t, 'CREATE TABLE docs (id int, d jsonb, g int)');
  await both(
    t,
    `INSERT INTO docs VALUES (1, '{"name": "a", "tags": ["x", "y"], "n": 1}', 1), (2, '{"name": "b", "tags": [], "n": 2.50}', 1),
      (3, '{"n": 1.0, "tags": ["x", "y"], "name": "a"}', 2), (4, '[1, 2]', 2), (5, NULL, 2), (6, '"s"', 3), (7, '1', 3), (8, '1.00', 3), (9, 'null', 3),
      (10, '{"name": "c", "nested": {"k": [1, {"z": true}]}}', 1)`,
  );
  const queries = [
    'SELECT id, d FROM docs ORDER BY id',
    'SELECT id FROM docs ORDER BY d, id',
    'SELECT id FROM docs ORDER BY d DESC NULLS LAST, id',
    'SELECT d, count(*) FROM docs GROUP BY d ORDER BY d',
    'SELECT count(DISTINCT d), count(d), count(*) FROM docs',
    'SELECT DISTINCT d -> \'tags\' FROM docs ORDER BY 1',
    'SELECT a.id, b.id FROM docs a JOIN docs b ON a.d = b.d AND a.id < b.id ORDER BY 1, 2',
    "SELECT id, d ->> 'name', d -> 'tags' -> 0, d #>> '{nested,k,1,z}', jsonb_typeof(d) FROM docs ORDER BY id",
    `SELECT id FROM docs WHERE d @> '{"tags": ["x"]}' ORDER BY id`,
    "SELECT id FROM docs WHERE d ? 'nested' OR d ? 's' ORDER BY id",
    "SELECT (d ->> 'n')::numeric, count(*) FROM docs WHERE d ? 'n' GROUP BY 1 ORDER BY 1",
    "SELECT id, e.value FROM docs, jsonb_array_elements(d -> 'tags') AS e ORDER BY id, e.value",
    "SELECT id, k FROM docs CROSS JOIN LATERAL jsonb_object_keys(d) AS k WHERE jsonb_typeof(d) = 'object' ORDER BY id, k",
    "SELECT id, e.key, e.value FROM docs, LATERAL jsonb_each_text(d) e WHERE jsonb_typeof(d) = 'object' ORDER BY id, e.key",
    'SELECT g, jsonb_agg(d ORDER BY d) FROM docs GROUP BY g ORDER BY g',
    'SELECT jsonb_agg(id ORDER BY id) FROM docs',
    "SELECT g, jsonb_object_agg(id::text, d -> 'name') FROM docs GROUP BY g ORDER BY g",
    'SELECT max(d), min(d) FROM docs',
    'SELECT g, jsonb_build_object(\'g\', g, \'n\', count(*)) FROM docs GROUP BY g ORDER BY g',
  ];
  await sameAll(queries);
  await t.ours.query('CREATE MATERIALIZED VIEW by_doc AS SELECT d, count(*) AS n FROM docs GROUP BY d');
  await t.ours.query("CREATE MATERIALIZED VIEW names AS SELECT id, d ->> 'name' AS name, d -> 'tags' AS tags FROM docs WHERE d ? 'name'");
  await t.ours.query('CREATE MATERIALIZED VIEW aggs AS SELECT g, jsonb_agg(d ORDER BY d) AS docs, jsonb_object_agg(id::text, id) AS ids FROM docs GROUP BY g');
  await t.ours.query('CREATE MATERIALIZED VIEW elems AS SELECT id, e.value AS e FROM docs, jsonb_array_elements(d -> \'tags\') AS e');
  const check = async () => {
    const pairs: Array<[string, string]> = [
      ['SELECT d, n FROM by_doc ORDER BY d', 'SELECT d, count(*) FROM docs GROUP BY d ORDER BY d'],
      ['SELECT id, name, tags FROM names ORDER BY id', "SELECT id, d ->> 'name', d -> 'tags' FROM docs WHERE d ? 'name' ORDER BY id"],
      ['SELECT g, docs, ids FROM aggs ORDER BY g', 'SELECT g, jsonb_agg(d ORDER BY d), jsonb_object_agg(id::text, id) FROM docs GROUP BY g ORDER BY g'],
      ['SELECT id, e FROM elems ORDER BY id, e', "SELECT id, e FROM docs, jsonb_array_elements(d -> 'tags') AS e ORDER BY id, e"],
    ];
    for (const [ours, theirs] of pairs) {
      const a = await outcome(t.ours, ours);
      const b = await outcome(t.oracle, theirs);
      expect({ q: ours, ...a }).toEqual({ q: ours, ...b });
    }
  };
  await check();
  // (Not the first-inserted spelling of a group whose members differ only in number spelling: see docs/sql.md.)
  await both(t, 'DELETE FROM docs WHERE id IN (3, 8)');
  await both(t, `INSERT INTO docs VALUES (11, '{"tags": ["z"], "name": "d", "name": "e"}', 1), (12, '1.000', 3), (13, '{"b": [1, 2], "a": {}}', 4)`);
  await check();
  await both(t, "UPDATE docs SET d = d || '{\"extra\": 1}' WHERE jsonb_typeof(d) = 'object'");
  await both(t, 'DELETE FROM docs WHERE g = 3');
  await check();
  await sameAll(queries);
});

test('an index on a jsonb column: lookups by a literal find every equal document', async () => {
  await both(t, 'CREATE TABLE idx (id int, d jsonb)');
  await both(t, `INSERT INTO idx VALUES (1, '1'), (2, '1.00'), (3, '{"n": 1, "a": [2.5]}'), (4, '{"a": [2.50], "n": 1.0}'), (5, '[1]'), (6, NULL)`);
  await both(t, 'CREATE INDEX idx_d ON idx (d)');
  await sameAll([
    `SELECT id FROM idx WHERE d = '1.0' ORDER BY id`,
    `SELECT id FROM idx WHERE d = '{"a": [2.5], "n": 1}' ORDER BY id`,
    `SELECT a.id, b.id FROM idx a JOIN idx b ON a.d = b.d WHERE a.id < b.id ORDER BY 1, 2`,
    `SELECT count(DISTINCT d) FROM idx`,
    `SELECT count(*) FROM (SELECT DISTINCT d FROM idx) s`,
    `SELECT count(*), sum(n) FROM (SELECT d, count(*) AS n FROM idx GROUP BY d) s`,
    `SELECT jsonb_typeof(d), count(*) FROM idx GROUP BY 1 ORDER BY 1`,
  ]);
});

test('jsonb bad input in writes changes nothing', async () => {
  await both(t, 'CREATE TABLE bad (id int, d jsonb)');
  await both(t, `INSERT INTO bad VALUES (1, '{"a": 1}')`);
  await same(t, `INSERT INTO bad VALUES (2, '{"a": }')`);
  await same(t, `INSERT INTO bad VALUES (2, 5)`);
  await same(t, `INSERT INTO bad SELECT 3, ('{' || 'x')::jsonb`);
  await same(t, `SELECT id, d FROM bad ORDER BY id`);
  await same(t, `SELECT jsonb_array_length(d) FROM bad`);
});
