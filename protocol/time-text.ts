/**
 * The text forms of a `time` value (microseconds since midnight, 0 .. 86400000000) as Postgres
 * writes and reads them. Shared by COMPUTE (protocol/compute/time-scalar.ts), the planner, the
 * pgwire front end, COPY, sinks and `definite sql`'s output.
 */
import { US_PER_DAY } from './datetime.js';

/** A time's text: `HH:MM:SS[.ffffff]`, trailing zeros of the fraction dropped. */
export function formatTime(us: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const secs = Math.floor(us / 1_000_000);
  const frac = us - secs * 1_000_000;
  const base = `${pad(Math.floor(secs / 3600))}:${pad(Math.floor(secs / 60) % 60)}:${pad(secs % 60)}`;
  return frac === 0 ? base : `${base}.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
}

/** A time's text as Postgres reads it, to microseconds, or its error. */
export function parseTimeText(text: string): number | { code: '22007' | '22008'; message: string } {
  const s = text.trim();
  const m = /^(?:\d{4}-\d{2}-\d{2}(?:\s+|T))?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:\s*(?:[+-]\d{1,2}(?::?\d{2}(?::?\d{2})?)?|Z|UTC|GMT))?$/i.exec(s);
  if (!m) return { code: '22007', message: `invalid input syntax for type time: "${text}"` };
  const [h, mi, sec] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  const us = m[4] ? Math.round(Number(`0.${m[4]}`) * 1e6) : 0;
  const total = ((h * 60 + mi) * 60 + sec) * 1_000_000 + us;
  if (h > 24 || mi > 59 || sec > 60 || total > US_PER_DAY) return { code: '22008', message: `date/time field value out of range: "${text}"` };
  return total;
}

