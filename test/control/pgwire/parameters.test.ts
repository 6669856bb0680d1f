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

test('binary numeric parameters (numeric_send, as the JDBC driver sends a BigDecimal)', () => {
  const numeric = (weight: number, sign: number, dscale: number, digits: number[]) => {
    const b = Buffer.alloc(8 + 2 * digits.length);
    b.writeInt16BE(digits.length, 0);
    b.writeInt16BE(weight, 2);
    b.writeUInt16BE(sign, 4);
    b.writeInt16BE(dscale, 6);
    digits.forEach((d, i) => b.writeInt16BE(d, 8 + 2 * i));
    return binaryParamText(b, 1700, 1);
  };
  expect(numeric(0, 0, 3, [12, 3450])).toBe('12.345');
  expect(numeric(-1, 0x4000, 4, [12])).toBe('-0.0012');
  expect(numeric(1, 0, 0, [1])).toBe('10000');
  expect(numeric(2, 0, 2, [1, 0, 5])).toBe('100000005.00');
  expect(numeric(0, 0, 0, [])).toBe('0');
  expect(numeric(0, 0xc000, 0, [])).toBe('NaN');
  expect(() => binaryParamText(Buffer.from([0, 1]), 1700, 1)).toThrow(/invalid binary numeric/);
});
