/**
 * PostgreSQL column types as definite column types, and PostgreSQL's text form of a value as a
 * definite value. Shared by CONTROL (which maps an upstream table's columns when a PostgreSQL
 * source is created) and STORAGE (which converts the snapshot's and pgoutput's text values).
 * Connections set DateStyle ISO, TimeZone UTC and extra_float_digits 3, so the text forms are
 * the ones parsed here. Depends on nothing of ours but the shared types.
 */
import type { ColumnType, Value } from '../types.js';
import { decimalFits, numericValue, parseDecimal } from '../numeric.js';
import { intOfText } from '../int-range.js';
import { parseArrayText } from '../array.js';
import { encodeInterval, parseInterval } from '../datetime.js';
import { jsonbValue, parseJsonb } from '../jsonb.js';

/**
 * Upstream type oid -> definite type (pg_type.dat). bytea becomes text in Postgres' hex form
 * (`\x0a0b`); uuid and json text, jsonb jsonb (protocol/jsonb.ts; a source created before
 * definite had jsonb keeps its text column: `fallback`); one-dimensional arrays of these element types their
 * definite array types. An enum (a user type, no fixed oid) is text: its columns carry the type
 * (`fallback` of pgTextValue).
 */
export const PG_TYPE_OIDS: Readonly<Record<number, { name: string; type: ColumnType }>> = {
  16: { name: 'boolean', type: 'bool' },
  17: { name: 'bytea', type: 'text' },
  18: { name: '"char"', type: 'text' },
  19: { name: 'name', type: 'text' },
  20: { name: 'bigint', type: 'bigint' },
  21: { name: 'smallint', type: 'smallint' },
  23: { name: 'integer', type: 'int' },
  25: { name: 'text', type: 'text' },
  114: { name: 'json', type: 'text' },
  700: { name: 'real', type: 'real' },
  701: { name: 'double precision', type: 'float' },
  1042: { name: 'character', type: 'text' },
  1043: { name: 'character varying', type: 'text' },
  1082: { name: 'date', type: 'date' },
  1114: { name: 'timestamp without time zone', type: 'timestamp' },
  1184: { name: 'timestamp with time zone', type: 'timestamptz' },
  1700: { name: 'numeric', type: 'numeric' },
  2950: { name: 'uuid', type: 'text' },
  1186: { name: 'interval', type: 'interval' },
  3802: { name: 'jsonb', type: 'jsonb' },
  1000: { name: 'boolean[]', type: 'bool[]' },
  1005: { name: 'smallint[]', type: 'smallint[]' },
  1007: { name: 'integer[]', type: 'int[]' },
  1016: { name: 'bigint[]', type: 'bigint[]' },
  1021: { name: 'real[]', type: 'float[]' },
  1022: { name: 'double precision[]', type: 'float[]' },
  1231: { name: 'numeric[]', type: 'numeric[]' },
  1009: { name: 'text[]', type: 'text[]' },
  1015: { name: 'character varying[]', type: 'text[]' },
};

/** An array type's element type oid. */
const ARRAY_ELEMENT_OID: Readonly<Record<number, number>> = { 1000: 16, 1005: 21, 1007: 23, 1016: 20, 1021: 700, 1022: 701, 1231: 1700, 1009: 25, 1015: 1043 };

/** The definite type of an upstream type oid, or undefined when definite cannot hold it. */
export function pgColumnType(oid: number): ColumnType | undefined {
  return PG_TYPE_OIDS[oid]?.type;
}

/** Connection settings that fix the text forms parsed by `pgTextValue`. */
export const PG_SESSION_OPTIONS = '-c DateStyle=ISO -c TimeZone=UTC -c extra_float_digits=3 -c IntervalStyle=postgres';

const DATE = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/;
const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?([+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?( BC)?$/;

function year(y: string, bc: string | undefined): number {
  return bc ? 1 - Number(y) : Number(y);
}

function utcDays(y: number, m: number, d: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  t.setUTCHours(0, 0, 0, 0);
  return Math.round(t.getTime() / 86_400_000);
}

/**
 * The definite value of PostgreSQL's text form `text` of a value of type `oid`; throws a plain
 * Error saying why when it does not fit (e.g. a numeric NaN or infinity).
 */
export function pgTextValue(oid: number, text: string, fallback?: ColumnType): Value {
  // A jsonb column mapped to text before definite had jsonb stays text.
  const type = oid === 3802 && fallback === 'text' ? 'text' : (pgColumnType(oid) ?? fallback);
  const name = PG_TYPE_OIDS[oid]?.name ?? `type oid ${oid}`;
  switch (type) {
    case 'bool':
      if (text === 't' || text === 'true') return true;
      if (text === 'f' || text === 'false') return false;
      break;
    case 'smallint':
    case 'int':
    case 'bigint': {
      // Exact over int8: past ±(2^53 - 1) a tagged string of the digits (protocol/int-range.ts).
      const n = /^-?\d+$/.test(text) ? intOfText(text, type) : undefined;
      if (n !== undefined) return n;
      throw new Error(`${text} is not a ${name}`);
    }
    case 'real':
    case 'float': {
      const n = type === 'real' ? Math.fround(Number(text)) : Number(text);
      if (Number.isFinite(n)) return n;
      throw new Error(`${text} is not a finite number`);
    }
    case 'numeric': {
      // Exact, at Postgres' display scale (numeric_out prints every digit of dscale): 1.50 stays 1.50.
      const d = /^-?\d+(\.\d+)?$/.test(text) ? parseDecimal(text) : undefined;
      if (d !== undefined && decimalFits(d)) return numericValue(d);
      throw new Error(`${text} is not a finite number`);
    }
    case 'text':
      return text;
    case 'jsonb':
      // jsonb_out's text is canonical already; read and written again, it is checked too.
      return jsonbValue(parseJsonb(text));
    case 'date': {
      const m = DATE.exec(text);
      if (m) return utcDays(year(m[1]!, m[4]), Number(m[2]), Number(m[3]));
      break;
    }
    case 'timestamp':
    case 'timestamptz': {
      const m = TIMESTAMP.exec(text);
      if (m) {
        const days = utcDays(year(m[1]!, m[9]), Number(m[2]), Number(m[3]));
        const frac = m[7] ? Math.round(Number(`0${m[7]}`) * 1000) : 0;
        let ms = days * 86_400_000 + ((Number(m[4]) * 60 + Number(m[5])) * 60 + Number(m[6])) * 1000 + frac;
        if (m[8]) {
          const sign = m[8][0] === '-' ? -1 : 1;
          const [h = '0', mi = '0', s = '0'] = m[8].slice(1).split(':').length > 1 ? m[8].slice(1).split(':') : [m[8].slice(1, 3), m[8].slice(3, 5) || '0', m[8].slice(5, 7) || '0'];
          ms -= sign * ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000;
        }
        return ms;
      }
      break;
    }
    case 'interval': {
      // IntervalStyle postgres (PG_SESSION_OPTIONS): `1 year 2 mons 3 days 04:05:06.5`, read as SQL's input does.
      const i = parseInterval(text);
      if (!('code' in i)) return encodeInterval(i);
      break;
    }
    default: {
      const element = ARRAY_ELEMENT_OID[oid];
      if (element === undefined) throw new Error(`type oid ${oid} is not supported`);
      const parsed = parseArrayText(text);
      if (!parsed.ok) throw new Error(`"${text}" is not a one-dimensional ${name} (${parsed.detail})`);
      return parsed.elements.map((e) => (e === null ? null : (pgTextValue(element, e) as Exclude<Value, unknown[]>)));
    }
  }
  throw new Error(`"${text}" is not a ${name}`);
}
