/**
 * float8 NaN against PostgreSQL 15 (the oracle): NaN equals NaN and sorts above every other
 * number (float8_cmp_internal), so comparisons, ORDER BY, GROUP BY, DISTINCT, joins, min / max
 * and IN answer as PostgreSQL does. (A stored float column holds finite values only: storing NaN
 * or ±Infinity is refused with an error, docs/sql.md.)
 */
import { same, usePgPlatform } from './pg-platform.js';

const t = usePgPlatform('nan', { database: 'definite_nan_test', fresh: true });

const F = "(VALUES (1, 'NaN'::float8), (2, 1.5::float8), (3, 'NaN'::float8), (4, '-Infinity'::float8), (5, 'Infinity'::float8), (6, NULL::float8), (7, 0::float8)) AS f(id, x)";

test('NaN is one value, above every number', async () => {
  for (const e of ["'NaN'::float8 = 'NaN'::float8", "'NaN'::float8 <> 'NaN'::float8", "'NaN'::float8 > 1e308", "'NaN'::float8 < 'Infinity'::float8", "'NaN'::float8 >= 'NaN'::float8", "greatest(1::float8, 'NaN')", "least(1::float8, 'NaN')", "'NaN'::float8 IN (1, 'NaN')", "'NaN'::float8 BETWEEN 0 AND 'NaN'"]) {
    await same(t, `SELECT ${e}`);
  }
  await same(t, `SELECT id, x FROM ${F} ORDER BY x, id`);
  await same(t, `SELECT id, x FROM ${F} ORDER BY x DESC NULLS LAST, id`);
  await same(t, `SELECT x, count(*) FROM ${F} GROUP BY x ORDER BY x`);
  await same(t, `SELECT DISTINCT x FROM ${F} ORDER BY x`);
  await same(t, `SELECT count(*) FROM ${F} JOIN (VALUES ('NaN'::float8), (1.5)) AS g(y) ON f.x = g.y`);
  await same(t, `SELECT id FROM ${F} WHERE x = 'NaN' ORDER BY id`);
  await same(t, `SELECT max(x), min(x), count(DISTINCT x) FROM ${F}`);
});
