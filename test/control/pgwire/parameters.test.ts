/**
 * Bound parameters become SQL literals: typed values validated, strings quoted with their quotes
 * doubled (so a value cannot end its literal and inject SQL), `$n` in strings, quoted
 * identifiers, dollar quotes and comments left alone.
 */
import { binaryParamText, literalOf, parameterCount, substituteParameters } from '../../../actors/control/pgwire/parameters.js';
import { SqlError } from '../../../protocol/control/errors.js';

test('literals by declared type', () => {
  expect(literalOf(null, 23)).toBe('NULL');
  expect(literalOf('42', 23)).toBe('(42)');
  expect(literalOf('-1.5e3', 701)).toBe('(-1.5e3)');
  expect(literalOf('t', 16)).toBe('true');
  expect(literalOf("it's", 0)).toBe("'it''s'");
  expect(literalOf('a\\b', 25)).toBe("'a\\b'");
  expect(() => literalOf('1; DROP TABLE t', 23)).toThrow(SqlError);
  expect(() => literalOf('x\0y', 25)).toThrow(/0x00/);
});

test('an injection attempt stays inside its literal', () => {
  const sql = substituteParameters('SELECT * FROM t WHERE name = $1', [literalOf("x'; DROP TABLE t; --", 0)]);
  expect(sql).toBe("SELECT * FROM t WHERE name = 'x''; DROP TABLE t; --'");
});

test('$n outside strings, identifiers, comments and dollar quotes only', () => {
  const sql = `SELECT $1, '$1', "a$1", $$ $1 $$, $tag$ $2 $tag$, E'\\' $1', x$1 -- $1\n/* $2 */ + $2`;
  expect(parameterCount(sql)).toBe(2);
  expect(substituteParameters(sql, ['A', 'B'])).toBe(`SELECT A, '$1', "a$1", $$ $1 $$, $tag$ $2 $tag$, E'\\' $1', x$1 -- $1\n/* $2 */ + B`);
  expect(() => substituteParameters('SELECT $3', ['1'])).toThrow(/there is no parameter \$3/);
});

test('binary parameters: bool, int2/4/8, float8, text', () => {
  expect(binaryParamText(Buffer.from([1]), 16, 1)).toBe('true');
  expect(binaryParamText(Buffer.from([0xff, 0xfe]), 21, 1)).toBe('-2');
  expect(binaryParamText(Buffer.from([0, 0, 1, 0]), 23, 1)).toBe('256');
  const i8 = Buffer.alloc(8);
  i8.writeBigInt64BE(-9007199254740991n);
  expect(binaryParamText(i8, 20, 1)).toBe('-9007199254740991');
  const f8 = Buffer.alloc(8);
  f8.writeDoubleBE(2.5);
  expect(binaryParamText(f8, 701, 1)).toBe('2.5');
  expect(binaryParamText(Buffer.from('héllo'), 25, 1)).toBe('héllo');
  expect(() => binaryParamText(Buffer.from([0, 1]), 23, 1)).toThrow(/must be 4 bytes/);
  expect(() => binaryParamText(Buffer.from([0, 1]), 0, 1)).toThrow(/not supported/);
});
