/**
 * Literal values at plan time: the numeric constants of the grammar, and quoted strings read as
 * a type (`'5'` compared with an int, `TIMESTAMP '2024-01-01 10:00'`, `'t'::bool`). Parsing
 * follows Postgres' input syntax for each type; a bad literal is SQLSTATE 22P02. Timestamps are
 * read as UTC and become milliseconds since the epoch.
 */
import type { ColumnType, Value } from '../../../protocol/types.js';
import { MoreSqlState, type PlanContext } from './context.js';

const TYPE_LABEL: Record<ColumnType, string> = {
  int: 'integer', float: 'double precision', numeric: 'numeric', text: 'text', bool: 'boolean', timestamp: 'timestamp',
};

const TRUE_WORDS = ['true', 'yes', 'on', '1'];
const FALSE_WORDS = ['false', 'no', 'off', '0'];

/** Reads `text` as a value of `type`, or throws 22P02. */
export function parseLiteral(text: string, type: ColumnType, ctx: PlanContext, location?: number): Value {
  const bad = () => ctx.error(MoreSqlState.InvalidTextRepresentation, `invalid input syntax for type ${TYPE_LABEL[type]}: "${text}"`, location);
  const s = text.trim();
  switch (type) {
    case 'text':
      return text;
    case 'int': {
      if (!/^[+-]?[0-9]+$/.test(s)) throw bad();
      const n = Number(s);
      if (!Number.isSafeInteger(n)) throw ctx.error(MoreSqlState.InvalidTextRepresentation, `value "${text}" is out of range for type integer`, location);
      return n;
    }
    case 'float':
    case 'numeric': {
      const lower = s.toLowerCase();
      if (type === 'float' && (lower === 'nan' || lower === 'infinity' || lower === '+infinity' || lower === '-infinity')) {
        return lower === 'nan' ? NaN : lower.startsWith('-') ? -Infinity : Infinity;
      }
      if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/i.test(s)) throw bad();
      return Number(s);
    }
    case 'bool': {
      const lower = s.toLowerCase();
      if (lower.length > 0 && TRUE_WORDS.some((w) => w.startsWith(lower) && (lower.length > 1 || w !== 'on'))) return true;
      if (lower.length > 0 && FALSE_WORDS.some((w) => w.startsWith(lower) && (lower.length > 1 || w !== 'off'))) return false;
      throw bad();
    }
    case 'timestamp':
      return parseTimestamp(s) ?? (() => { throw bad(); })();
  }
}

/** `YYYY-MM-DD[ T]HH:MM[:SS[.fff]][Z]` (UTC) to milliseconds since the epoch, or undefined. */
export function parseTimestamp(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(?:Z|\+00(?::?00)?)?$/i.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec, frac] = m.slice(1).map((x) => x);
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0), ms);
  const check = new Date(t);
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return undefined;
  if (Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(sec ?? 0) > 59) return undefined;
  return t;
}

/**
 * A numeric constant of the grammar (`ival` or the text of an `fval`): integers that fit are
 * int; anything with a fraction or exponent, or too large for an exact integer, is numeric.
 */
export function numericConstant(text: string): { value: number; type: 'int' | 'numeric' } {
  const value = Number(text);
  if (/^[+-]?[0-9]+$/.test(text) && Number.isSafeInteger(value)) return { value, type: 'int' };
  return { value, type: 'numeric' };
}
