/**
 * What Postgres clients expect of a server that the SQL layer does not know: the settings drivers
 * send at start (SET extra_float_digits, DateStyle, application_name, client_encoding,
 * search_path, TimeZone, ...) and SHOW of them and of the read-only ones (server_version,
 * integer_datetimes, ...), and `SELECT` of version(), current_database(), current_schema(),
 * current_user, session_user and pg_backend_pid(). A statement this answers never reaches the
 * executor; anything else does (definite's own settings, cluster etc., are the executor's).
 */
import { SqlError, SqlState } from '../../../protocol/control/errors.js';
import type { StatementResult } from '../../../protocol/control/response.js';

export const SERVER_VERSION = '15.0 (definite 0.1.0)';

/** Settings reported to the client with ParameterStatus at start-up and when they change. */
export const REPORTED = ['server_version', 'server_encoding', 'client_encoding', 'application_name', 'DateStyle', 'IntervalStyle', 'integer_datetimes', 'standard_conforming_strings', 'TimeZone', 'is_superuser', 'session_authorization'];

/** Postgres settings of a connection, by lower-case name. */
export type PgSettings = Map<string, { name: string; value: string }>;

export function defaultPgSettings(user: string, applicationName: string): PgSettings {
  const entries: Array<[string, string]> = [
    ['server_version', SERVER_VERSION],
    ['server_version_num', '150000'],
    ['server_encoding', 'UTF8'],
    ['client_encoding', 'UTF8'],
    ['application_name', applicationName],
    ['DateStyle', 'ISO, MDY'],
    ['IntervalStyle', 'postgres'],
    ['integer_datetimes', 'on'],
    ['standard_conforming_strings', 'on'],
    ['TimeZone', 'UTC'],
    ['is_superuser', 'off'],
    ['session_authorization', user],
    ['extra_float_digits', '1'],
    ['search_path', 'public'],
    ['statement_timeout', '0'],
    ['lock_timeout', '0'],
    ['idle_in_transaction_session_timeout', '0'],
    ['max_identifier_length', '63'],
    ['default_transaction_isolation', 'serializable'],
  ];
  return new Map(entries.map(([name, value]) => [name.toLowerCase(), { name, value }]));
}

const READ_ONLY = new Set(['server_version', 'server_version_num', 'server_encoding', 'integer_datetimes', 'max_identifier_length', 'is_superuser', 'session_authorization']);

/** The setting's accepted value (22023 for values definite cannot honour). */
function validate(name: string, value: string): string {
  const v = value.trim();
  switch (name) {
    case 'client_encoding':
      if (!/^(utf-?8|unicode)$/i.test(v)) throw new SqlError(SqlState.InvalidParameterValue, `invalid value for parameter "client_encoding": "${v}"`, { hint: 'only UTF8 is supported' });
      return 'UTF8';
    case 'datestyle':
      if (!/iso/i.test(v) && !/^(mdy|dmy|ymd)$/i.test(v)) throw new SqlError(SqlState.InvalidParameterValue, `invalid value for parameter "DateStyle": "${v}"`, { hint: 'only ISO is supported' });
      return 'ISO, MDY';
    case 'timezone':
      if (!/^(utc|etc\/utc|gmt|z|\+?0+(:00)?|default)$/i.test(v)) throw new SqlError(SqlState.InvalidParameterValue, `invalid value for parameter "TimeZone": "${v}"`, { hint: 'only UTC is supported' });
      return 'UTC';
    case 'standard_conforming_strings':
      if (!/^(on|true|1)$/i.test(v)) throw new SqlError(SqlState.InvalidParameterValue, 'standard_conforming_strings can only be on');
      return 'on';
    case 'extra_float_digits':
      if (!/^[+-]?[0-9]+$/.test(v) || Math.abs(Number(v)) > 3) throw new SqlError(SqlState.InvalidParameterValue, `invalid value for parameter "extra_float_digits": "${v}"`, { hint: 'an integer from -15 to 3' });
      return v;
    default:
      return v;
  }
}

/** The answer to a statement this module handles, plus the settings it changed (for ParameterStatus). */
export interface CompatAnswer {
  result: StatementResult;
  changed?: { name: string; value: string };
}

export interface CompatContext {
  settings: PgSettings;
  user: string;
  database: string;
  pid: number;
}

const SET_RE = /^SET\s+(?:SESSION\s+)?(?!LOCAL\b)([A-Za-z_][\w.]*)\s*(?:=|\s+TO\s+|\s+)\s*([\s\S]+?)\s*;?\s*$/i;
const SET_TZ_RE = /^SET\s+(?:SESSION\s+)?TIME\s+ZONE\s+([\s\S]+?)\s*;?\s*$/i;
const SET_NAMES_RE = /^SET\s+NAMES\s+([\s\S]+?)\s*;?\s*$/i;
const RESET_RE = /^RESET\s+([A-Za-z_][\w.]*)\s*;?\s*$/i;
const SHOW_RE = /^SHOW\s+([A-Za-z_][\w.]*)\s*;?\s*$/i;
const SELECT_RE = /^SELECT\s+([\s\S]+?)\s*;?\s*$/i;

/** Handles `text` if it is one of this module's statements, else undefined. */
export function compatStatement(text: string, ctx: CompatContext): CompatAnswer | undefined {
  const tz = SET_TZ_RE.exec(text) ?? undefined;
  const names = SET_NAMES_RE.exec(text) ?? undefined;
  const set = tz ? ['', 'timezone', tz[1]!] : names ? ['', 'client_encoding', names[1]!] : SET_RE.exec(text);
  if (set && ctx.settings.has(set[1]!.toLowerCase())) return setting(set[1]!.toLowerCase(), unquote(set[2]!), ctx);
  const reset = RESET_RE.exec(text);
  if (reset && ctx.settings.has(reset[1]!.toLowerCase())) {
    const key = reset[1]!.toLowerCase();
    const value = defaultPgSettings(ctx.user, '').get(key)!.value;
    const answer = setting(key, value, ctx);
    return { ...answer, result: { tag: 'RESET' } };
  }
  const show = SHOW_RE.exec(text);
  if (show) {
    const key = show[1]!.toLowerCase();
    const s = ctx.settings.get(key);
    if (s) return { result: { tag: 'SELECT 1', columns: [{ name: key, type: 'text' }], rows: [[s.value]] } };
  }
  const select = SELECT_RE.exec(text);
  if (select) return selectFunctions(select[1]!, ctx);
  return undefined;
}

function setting(key: string, value: string, ctx: CompatContext): CompatAnswer {
  const current = ctx.settings.get(key)!;
  if (READ_ONLY.has(key)) throw new SqlError('55P02', `parameter "${current.name}" cannot be changed`);
  const accepted = /^default$/i.test(value) ? defaultPgSettings(ctx.user, '').get(key)!.value : validate(key, value);
  ctx.settings.set(key, { name: current.name, value: accepted });
  const reported = REPORTED.includes(current.name);
  return { result: { tag: 'SET' }, ...(reported ? { changed: { name: current.name, value: accepted } } : {}) };
}

/** `'x'`, `"x"` or `x, y` (a list: search_path = a, b) as the setting's text. */
function unquote(v: string): string {
  return v
    .split(',')
    .map((p) => p.trim().replace(/^'([\s\S]*)'$/, (_, s: string) => s.replace(/''/g, "'")).replace(/^"([\s\S]*)"$/, '$1'))
    .join(', ');
}

const FUNCTIONS: Record<string, (ctx: CompatContext) => { value: string | number; type: 'text' | 'int' }> = {
  'version()': () => ({ value: `PostgreSQL ${SERVER_VERSION} on x86_64-pc-linux-gnu, definite`, type: 'text' }),
  'current_database()': (c) => ({ value: c.database, type: 'text' }),
  'current_schema()': () => ({ value: 'public', type: 'text' }),
  current_schema: () => ({ value: 'public', type: 'text' }),
  current_user: (c) => ({ value: c.user, type: 'text' }),
  'current_user()': (c) => ({ value: c.user, type: 'text' }),
  session_user: (c) => ({ value: c.user, type: 'text' }),
  user: (c) => ({ value: c.user, type: 'text' }),
  'pg_backend_pid()': (c) => ({ value: c.pid, type: 'int' }),
};

/** `SELECT f() [AS name], ...` where every item is one of FUNCTIONS (else undefined). */
function selectFunctions(list: string, ctx: CompatContext): CompatAnswer | undefined {
  const items = list.split(',');
  const columns: Array<{ name: string; type: 'text' | 'int' }> = [];
  const row: Array<string | number> = [];
  for (const item of items) {
    const m = /^\s*((?:pg_catalog\.)?[a-z_]+(?:\s*\(\s*\))?)\s*(?:(?:AS\s+)?("(?:[^"]|"")+"|[A-Za-z_]\w*))?\s*$/i.exec(item);
    if (!m) return undefined;
    const fn = m[1]!.toLowerCase().replace(/^pg_catalog\./, '').replace(/\s+/g, '');
    const f = FUNCTIONS[fn];
    if (!f) return undefined;
    const { value, type } = f(ctx);
    const alias = m[2] ? (m[2].startsWith('"') ? m[2].slice(1, -1).replace(/""/g, '"') : m[2].toLowerCase()) : fn.replace(/\(\)$/, '');
    columns.push({ name: alias, type });
    row.push(value);
  }
  return { result: { tag: 'SELECT 1', columns, rows: [row] } };
}
