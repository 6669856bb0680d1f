/**
 * The text form of a `timestamp` value (milliseconds since the Unix epoch, UTC) as Postgres
 * prints it: `YYYY-MM-DD HH:MM:SS[.fff]`, trailing zeros of the fraction dropped, ` BC` after
 * years before 1 AD. Shared by the
 * pgwire front end (text format) and `definite sql`'s output.
 */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const year = d.getUTCFullYear();
  const bc = year <= 0 ? ' BC' : '';
  const base = `${pad(year <= 0 ? 1 - year : year, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const frac = d.getUTCMilliseconds();
  return (frac === 0 ? base : `${base}.${pad(frac, 3).replace(/0+$/, '')}`) + bc;
}

/** A `timestamptz` value's text in the session's zone, UTC: `YYYY-MM-DD HH:MM:SS[.fff]+00[ BC]`. */
export function formatTimestamptz(ms: number): string {
  const t = formatTimestamp(ms);
  return t.endsWith(' BC') ? `${t.slice(0, -3)}+00 BC` : `${t}+00`;
}
