/**
 * Bound parameters of the extended protocol. The SQL layer has no parameters, so `$n` in the
 * statement text is replaced by the bound value as a SQL literal: NULL, a validated number for
 * int/float/numeric parameters, true/false for bool, and otherwise a quoted string literal with
 * its quotes doubled (standard_conforming_strings is on, so backslashes are not escapes). A quoted
 * literal is an "unknown"-typed constant the planner types from its context, as Postgres does
 * with an untyped parameter. Nothing a client sends can end the literal early, so a value cannot
 * inject SQL. `$n` inside strings, quoted identifiers, dollar quotes and comments is left alone.
 */
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import { Oid } from './pg-types.js';

const InvalidTextRepresentation = '22P02';
const UndefinedParameter = '42P02';
const CharacterNotInRepertoire = '22021';

/** A parameter's value as a SQL literal, from its text form and declared type (0: unspecified). */
export function literalOf(text: string | null, oid: number): string {
  if (text === null) return 'NULL';
  if (text.includes('\0')) throw new SqlError(CharacterNotInRepertoire, 'invalid byte sequence for encoding "UTF8": 0x00');
  switch (oid) {
    case Oid.int2:
    case Oid.int4:
    case Oid.int8:
      if (!/^\s*[+-]?[0-9]+\s*$/.test(text)) throw new SqlError(InvalidTextRepresentation, `invalid input syntax for type integer: "${text}"`);
      return `(${text.trim()})`;
    case Oid.float4:
    case Oid.float8:
    case Oid.numeric:
      if (/^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?\s*$/i.test(text)) return `(${text.trim()})`;
      if (oid !== Oid.numeric && /^\s*[+-]?(nan|infinity|inf)\s*$/i.test(text)) return quote(text.trim());
      throw new SqlError(InvalidTextRepresentation, `invalid input syntax for type ${oid === Oid.numeric ? 'numeric' : 'double precision'}: "${text}"`);
    case Oid.bool: {
      const t = text.trim().toLowerCase();
      if (['t', 'true', 'y', 'yes', 'on', '1'].includes(t)) return 'true';
      if (['f', 'false', 'n', 'no', 'off', '0'].includes(t)) return 'false';
      throw new SqlError(InvalidTextRepresentation, `invalid input syntax for type boolean: "${text}"`);
    }
    default:
      return quote(text);
  }
}

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** The text form of a parameter sent in the binary format (bool, int2/4/8, float4/8, text/varchar). */
export function binaryParamText(value: Buffer, oid: number, index: number): string {
  const size = (n: number) => {
    if (value.length !== n) throw new SqlError(SqlState.InvalidParameterValue, `parameter $${index}: binary ${oidName(oid)} must be ${n} bytes, not ${value.length}`);
  };
  switch (oid) {
    case Oid.bool:
      size(1);
      return value[0] ? 'true' : 'false';
    case Oid.int2:
      size(2);
      return String(value.readInt16BE(0));
    case Oid.int4:
      size(4);
      return String(value.readInt32BE(0));
    case Oid.int8: {
      size(8);
      const n = value.readBigInt64BE(0);
      return n.toString();
    }
    case Oid.float4:
      size(4);
      return floatText(value.readFloatBE(0));
    case Oid.float8:
      size(8);
      return floatText(value.readDoubleBE(0));
    case Oid.numeric:
      return numericText(value, index);
    case Oid.text:
    case Oid.varchar:
    case Oid.bpchar:
    case Oid.unknown:
      return value.toString('utf8');
    default:
      throw new SqlError(SqlState.FeatureNotSupported, `parameter $${index}: the binary format of ${oid === 0 ? 'an untyped parameter' : `type oid ${oid}`} is not supported`, {
        hint: 'send the parameter in the text format, or declare its type in Parse',
      });
  }
}

/**
 * A binary numeric (as PostgreSQL's numeric_send writes it, and the JDBC driver sends a BigDecimal):
 * int16 ndigits, int16 weight, uint16 sign (0 +, 0x4000 -, 0xC000 NaN), int16 dscale, then ndigits
 * base-10000 digits, the first worth 10000^weight. Its exact decimal text, with dscale decimals.
 */
function numericText(value: Buffer, index: number): string {
  const bad = () => new SqlError(SqlState.InvalidParameterValue, `parameter $${index}: invalid binary numeric`);
  if (value.length < 8) throw bad();
  const ndigits = value.readInt16BE(0);
  const weight = value.readInt16BE(2);
  const sign = value.readUInt16BE(4);
  const dscale = value.readInt16BE(6);
  if (ndigits < 0 || dscale < 0 || value.length !== 8 + 2 * ndigits) throw bad();
  if (sign === 0xc000) return 'NaN';
  if (sign !== 0 && sign !== 0x4000) throw bad();
  const digits = Array.from({ length: ndigits }, (_, i) => value.readInt16BE(8 + 2 * i));
  if (digits.some((d) => d < 0 || d > 9999)) throw bad();
  // Integer part: the digit groups of weight >= 0; fraction: those below, to dscale decimals.
  let int = '';
  for (let w = weight, i = 0; w >= 0; w--, i++) int += String(digits[i] ?? 0).padStart(4, '0');
  int = int.replace(/^0+(?=\d)/, '') || '0';
  let frac = '';
  for (let w = -1; frac.length < dscale; w--) {
    const i = weight - w;
    frac += i >= 0 && i < ndigits ? String(digits[i]).padStart(4, '0') : '0000';
  }
  frac = frac.slice(0, dscale);
  const text = frac ? `${int}.${frac}` : int;
  return sign === 0x4000 && /[1-9]/.test(text) ? `-${text}` : text;
}

function floatText(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n === Infinity ? 'Infinity' : n === -Infinity ? '-Infinity' : String(n);
}

function oidName(oid: number): string {
  return ({ [Oid.bool]: 'bool', [Oid.int2]: 'int2', [Oid.int4]: 'int4', [Oid.int8]: 'int8', [Oid.float4]: 'float4', [Oid.float8]: 'float8' } as Record<number, string>)[oid] ?? `oid ${oid}`;
}

/** The highest `$n` in `sql` outside strings, identifiers and comments (0: none). */
export function parameterCount(sql: string): number {
  let max = 0;
  scan(sql, (n) => {
    max = Math.max(max, n);
    return undefined;
  });
  return max;
}

/** `sql` with every `$n` replaced by `literals[n - 1]`; 42P02 for a `$n` with no value. */
export function substituteParameters(sql: string, literals: string[]): string {
  return scan(sql, (n) => {
    if (n < 1 || n > literals.length) throw new SqlError(UndefinedParameter, `there is no parameter $${n}`);
    return literals[n - 1]!;
  });
}

/** Walks `sql`, calling `onParam` for each `$n` token; returns the text with the replacements made. */
function scan(sql: string, onParam: (n: number) => string | undefined): string {
  let out = '';
  let last = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === "'") {
      // E'...' strings take backslash escapes.
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]!) && (i < 2 || !/[\w$]/.test(sql[i - 2]!));
      i++;
      while (i < n) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
    } else if (c === '"') {
      i++;
      while (i < n && !(sql[i] === '"' && sql[i + 1] !== '"')) i += sql[i] === '"' ? 2 : 1;
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') (depth++, (i += 2));
        else if (sql[i] === '*' && sql[i + 1] === '/') (depth--, (i += 2));
        else i++;
      }
    } else if (c === '$') {
      const prevIsWord = i > 0 && /[\w$]/.test(sql[i - 1]!);
      const digits = /^\$([0-9]+)/.exec(sql.slice(i, i + 12));
      if (digits && !prevIsWord) {
        const replacement = onParam(Number(digits[1]));
        if (replacement !== undefined) {
          out += sql.slice(last, i) + replacement;
          last = i + digits[0].length;
        }
        i += digits[0].length;
        continue;
      }
      const tag = /^\$([A-Za-z_][\w]*)?\$/.exec(sql.slice(i));
      if (tag && !prevIsWord) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? n : end + tag[0].length;
      } else i++;
    } else i++;
  }
  return last === 0 ? sql : out + sql.slice(last);
}
