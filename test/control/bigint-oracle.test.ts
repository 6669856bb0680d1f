/**
 * bigint (int8) exact over its whole range, -2^63 to 2^63 - 1, against PostgreSQL 15 (the oracle),
 * over pgwire in both, compared as the text each prints (issue #18): literals and casts past
 * 2^53, + - * / % and unary minus, overflow at ±2^63 (22003), comparisons, sum / avg / min / max
 * (one-off and maintained in a materialized view), GROUP BY, DISTINCT and joins on big keys,
 * casts to and from text, numeric and float, and the binary format.
 */
import { both as bothOf, outcome, same as sameOf, usePgPlatform } from './pg-platform.js';

const t = usePgPlatform('bigint', { database: 'definite_bigint_test', fresh: true });

const run = outcome;
const both = (sql: string) => bothOf(t, sql);
const same = (sql: string) => sameOf(t, sql);

test('expressions past 2^53 print as PostgreSQL prints them; overflow at ±2^63 is 22003', async () => {
  const exprs = [
    '9007199254740993::bigint', '9007199254740993', '-9007199254740993', '9223372036854775807', '-9223372036854775808',
    '9223372036854775808', "'9007199254740993'::bigint", "'  -9223372036854775808 '::bigint", "'9223372036854775808'::bigint",
    '9007199254740992::bigint + 1', '9007199254740991::bigint + 2', '9223372036854775806::bigint + 1', '9223372036854775807::bigint + 1',
    '-9223372036854775807::bigint - 1', '(-9223372036854775807::bigint - 1) - 1', '4294967296::bigint * 4294967295', '4294967296::bigint * 4294967296',
    '3037000499::bigint * 3037000499', '3037000500::bigint * 3037000500', '9223372036854775807::bigint / 7', '9223372036854775807::bigint % 1000',
    '-9223372036854775807::bigint / 10', '-9007199254740993::bigint % 10', '(-9223372036854775807::bigint - 1) / -1', '(-9223372036854775807::bigint - 1) % -1',
    '-(9007199254740993::bigint)', '-(-9223372036854775807::bigint - 1)', 'abs(-9007199254740993::bigint)', 'abs(-9223372036854775807::bigint - 1)',
    '9007199254740993::bigint = 9007199254740992', '9007199254740993::bigint > 9007199254740992', '9007199254740993::bigint < 9007199254740994::bigint',
    '9007199254740993::bigint::text', '9007199254740993::bigint::numeric', '9007199254740993::bigint::numeric + 0.5', '9007199254740993::bigint + 0.5',
    '9007199254740993::bigint::float8', '9007199254740993.6::bigint', '-9007199254740993.5::bigint', '1e18::float8::bigint', '9.3e18::float8::bigint',
    '9007199254740993::bigint::int', '2147483648::bigint::int', 'greatest(9007199254740993::bigint, 9007199254740992)', 'coalesce(NULL, 9007199254740993::bigint)',
    "9007199254740993::bigint || 'x'", '9007199254740993::bigint * 1.5', '9223372036854775807::bigint * 2 / 2', '2147483647 * 2147483647',
    'CASE WHEN true THEN 9007199254740993::bigint ELSE 1 END', '9007199254740993::bigint / 9007199254740993::bigint',
  ];
  for (const e of exprs) await same(`SELECT ${e}`);
});

test('bigint columns: WHERE, ORDER BY, GROUP BY, DISTINCT, joins, sum / avg / min / max, maintained', async () => {
  await both('CREATE TABLE big (id int, g int, v bigint)');
  await both(`INSERT INTO big VALUES (1, 1, 9007199254740993), (2, 1, 9007199254740992), (3, 2, 9223372036854775807), (4, 2, -9223372036854775808),
    (5, 1, 9007199254740993), (6, 3, 1), (7, 3, NULL), (8, 2, 9223372036854775806)`);
  await t.ours.query('CREATE MATERIALIZED VIEW big_totals AS SELECT g, sum(v) AS s, avg(v) AS a, min(v) AS lo, max(v) AS hi, count(v) AS n FROM big GROUP BY g');
  await same('SELECT id, v, v + 1, v - 1, v * 1, v / 3, v % 10, -v, v::text FROM big WHERE id IN (1, 2, 5, 6) ORDER BY id');
  await same('SELECT id, v FROM big ORDER BY v, id');
  await same('SELECT id FROM big WHERE v = 9007199254740993 ORDER BY id');
  await same('SELECT id FROM big WHERE v > 9007199254740992 ORDER BY id');
  await same('SELECT v, count(*) FROM big GROUP BY v ORDER BY v');
  await same('SELECT count(DISTINCT v) FROM big');
  await same('SELECT a.id, b.id FROM big a JOIN big b ON a.v = b.v WHERE a.id < b.id ORDER BY 1, 2');
  await same('SELECT g, sum(v), avg(v), min(v), max(v), count(v) FROM big GROUP BY g ORDER BY g');
  await same('SELECT sum(v), min(v), max(v) FROM big');
  await same('SELECT id, v + v FROM big WHERE id = 3');
  await same('SELECT id, v - 1 FROM big WHERE id = 4');
  for (let round = 0; round < 3; round++) {
    await both(`INSERT INTO big VALUES (${20 + round}, ${round % 3 + 1}, ${9007199254740993n + BigInt(round) * 1000000007n}), (${30 + round}, 2, -${9007199254740995n + BigInt(round)})`);
    await both(`DELETE FROM big WHERE id = ${round === 0 ? 2 : round === 1 ? 3 : 20}`);
    const ours = await run(t.ours, 'SELECT g, s, a, lo, hi, n FROM big_totals ORDER BY g');
    const theirs = await run(t.oracle, 'SELECT g, sum(v), avg(v), min(v), max(v), count(v) FROM big GROUP BY g ORDER BY g');
    expect(ours).toEqual(theirs);
  }
  await t.ours.query('CREATE INDEX big_v ON big (v)');
  await same('SELECT id FROM big WHERE v = 9007199254740993 ORDER BY id');
  await same("SELECT id FROM big WHERE v IN (9223372036854775807, '9007199254740992') ORDER BY id");
  await same('SELECT id FROM big WHERE v = 9007199254740993.0 ORDER BY id');
  await same('UPDATE big SET v = v + 1 WHERE id = 1');
  await same('SELECT id, v FROM big ORDER BY id');
  await same('UPDATE big SET v = v + 1 WHERE id = 8');
});

test('bigint in the binary format is int8_send\'s bytes', async () => {
  const hex = { getTypeParser: () => (v: Buffer | string) => (Buffer.isBuffer(v) ? v.toString('hex') : `text:${v}`) };
  for (const v of ['9007199254740993', '-9223372036854775808', '9223372036854775807', '9007199254740994', '-42']) {
    const q = { text: `SELECT (${v})::bigint`, rowMode: 'array' as const, binary: true, types: hex };
    const [ours, theirs] = [(await t.ours.query(q)).rows, (await t.oracle.query(q)).rows];
    expect({ v, ours }).toEqual({ v, ours: theirs });
  }
});
