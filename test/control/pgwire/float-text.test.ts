/**
 * float8's text format as PostgreSQL 15 writes it (float8out): the strings expected are what
 * PostgreSQL 15 printed for the same values (`SELECT 1e16::float8, ...` on 127.0.0.1:5432,
 * session of 2026-12-07), so a float column reads the same over pgwire from both.
 */
import { float8Text } from '../../../actors/control/pgwire/pg-types.js';

test.each([
  [1e16, '1e+16'],
  [1e15, '1e+15'],
  [123456789012345, '123456789012345'],
  [12345678912345678, '1.2345678912345678e+16'],
  [1e20, '1e+20'],
  [1e-5, '1e-05'],
  [1e-7, '1e-07'],
  [0.0001, '0.0001'],
  [-3.0000000000000005e-10, '-3.0000000000000005e-10'],
  [1.5e300, '1.5e+300'],
  [-2.5e-300, '-2.5e-300'],
  [0.30000000000000004, '0.30000000000000004'],
  [123456789.123, '123456789.123'],
  [2.718281828459045, '2.718281828459045'],
  [0, '0'],
  [-0, '-0'],
  [NaN, 'NaN'],
  [Infinity, 'Infinity'],
  [-Infinity, '-Infinity'],
])('%p is written %p', (value, text) => {
  expect(float8Text(value)).toBe(text);
});
