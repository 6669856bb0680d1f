/**
 * A sqllogictest runner (the SQLite project's format, as in github:gregrahn/sqllogictest) over the
 * Postgres wire protocol: it runs `.test` files against definite's pgwire port, or against
 * PostgreSQL itself to check the runner, and prints per file how many records passed, failed and
 * were skipped, with the most common failure messages.
 *
 *   npm run slt -- [--url postgres://materialize@127.0.0.1:6875/materialize] [--verbose] FILE...
 *
 * The corpus is not part of the project (CI has no network to fetch it): `fetch` it, then pass
 * its files. Records: `statement ok|error`, `query <types> <sort> [label]` with `----` and the
 * expected values (or `N values hashing to <md5>`), `skipif` / `onlyif` (this runner is
 * `postgresql`), `hash-threshold`, `halt`. Values print as the format says: I as an integer, R
 * with three decimals, T as text (`(empty)` for '', `NULL` for NULL); `rowsort` / `valuesort`
 * sort before comparing; hashes are the md5 of every value followed by a newline.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';

const ENGINE = 'postgresql';

interface Statement { kind: 'statement'; line: number; sql: string; expectError: boolean }
interface Query { kind: 'query'; line: number; sql: string; types: string; sort: string; expected: string[] }
type SltRecord = Statement | Query;

/** Parses a .test file into its records, applying skipif / onlyif and stopping at halt. */
export function parseSlt(text: string): { records: SltRecord[]; skipped: number } {
  const lines = text.split('\n');
  const records: SltRecord[] = [];
  let skipped = 0;
  let i = 0;
  let skip = false;
  while (i < lines.length) {
    const line = lines[i]!.trim();
    const words = line.split(/\s+/);
    if (line === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    if (words[0] === 'skipif' || words[0] === 'onlyif') {
      if ((words[0] === 'skipif') === (words[1] === ENGINE)) skip = true;
      i++;
      continue;
    }
    if (words[0] === 'halt') {
      if (!skip) break;
      skip = false;
      i++;
      continue;
    }
    if (words[0] === 'hash-threshold') {
      i++;
      continue;
    }
    const start = i + 1;
    i++;
    const sql: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && lines[i] !== '----') sql.push(lines[i++]!);
    const expected: string[] = [];
    if (lines[i] === '----') {
      i++;
      while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!.trim());
    }
    if (skip) {
      skipped++;
      skip = false;
      continue;
    }
    if (words[0] === 'statement') records.push({ kind: 'statement', line: start, sql: sql.join('\n'), expectError: words[1] === 'error' });
    else if (words[0] === 'query') records.push({ kind: 'query', line: start, sql: sql.join('\n'), types: words[1] ?? '', sort: words[2] ?? 'nosort', expected });
  }
  return { records, skipped };
}

/** One value as the format prints it for its column type letter. */
function formatValue(v: unknown, type: string): string {
  if (v === null || v === undefined) return 'NULL';
  if (type === 'I') {
    const n = Number(v);
    if (typeof v === 'boolean') return v ? '1' : '0';
    return Number.isFinite(n) ? String(Math.trunc(n)) : '0';
  }
  if (type === 'R') {
    const n = Number(v);
    return Number.isFinite(n) ? n.toFixed(3) : String(v);
  }
  const s = String(v);
  if (s === '') return '(empty)';
  return s.replace(/[^\x20-\x7e]/g, '@');
}

/** The values of `rows` in the record's sort order, flattened. */
function sortedValues(rows: unknown[][], q: Query): string[] {
  const formatted = rows.map((r) => r.map((v, c) => formatValue(v, q.types[c] ?? 'T')));
  if (q.sort === 'rowsort') {
    formatted.sort((a, b) => {
      for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! < b[k]! ? -1 : 1;
      return 0;
    });
  }
  const flat = formatted.flat();
  if (q.sort === 'valuesort') flat.sort();
  return flat;
}

function matches(values: string[], q: Query): boolean {
  const hashed = q.expected.length === 1 ? /^(\d+) values hashing to ([0-9a-f]{32})$/.exec(q.expected[0]!) : null;
  if (hashed) {
    const md5 = createHash('md5').update(values.map((v) => v + '\n').join('')).digest('hex');
    return values.length === Number(hashed[1]) && md5 === hashed[2];
  }
  const expected = q.expected.flatMap((l) => (q.types.length > 1 && l.includes(' ') ? l.split(/\s+/) : [l]));
  return values.length === expected.length && values.every((v, k) => v === expected[k]);
}

export interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  failures: Array<{ line: number; sql: string; why: string }>;
}

/** Runs one file's records over `client`; tables it creates are dropped afterwards. */
export async function runFile(client: pg.Client, file: string): Promise<FileResult> {
  const { records, skipped } = parseSlt(readFileSync(file, 'utf8'));
  const result: FileResult = { file, passed: 0, failed: 0, skipped, failures: [] };
  const created: string[] = [];
  for (const r of records) {
    const fail = (why: string) => {
      result.failed++;
      result.failures.push({ line: r.line, sql: r.sql, why });
    };
    let rows: unknown[][] | undefined;
    let error: string | undefined;
    try {
      const res = await client.query({ text: r.sql, rowMode: 'array' });
      rows = (res.rows ?? []) as unknown[][];
    } catch (e) {
      error = (e as Error).message;
    }
    if (r.kind === 'statement') {
      if (r.expectError === (error !== undefined)) result.passed++;
      else fail(error ?? 'succeeded, but an error was expected');
      const m = /^\s*CREATE\s+(TABLE|VIEW)\s+(?:IF NOT EXISTS\s+)?(\w+)/i.exec(r.sql);
      if (m && !error) created.push(`${m[1]!.toUpperCase()} IF EXISTS ${m[2]}`);
      continue;
    }
    if (error !== undefined) fail(error);
    else if (matches(sortedValues(rows!, r), r)) result.passed++;
    else fail('wrong result');
  }
  for (const what of created.reverse()) await client.query(`DROP ${what} CASCADE`).catch(() => undefined);
  return result;
}

/** The most common failure reasons, numbers and names folded so that alike messages group. */
function topReasons(results: FileResult[], n: number): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const r of results) {
    for (const f of r.failures) {
      const key = f.why.replace(/"[^"]*"/g, '"..."').replace(/\d+/g, 'N').slice(0, 120);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, n);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let url = 'postgres://materialize@127.0.0.1:6875/materialize';
  let verbose = false;
  const files: string[] = [];
  for (let k = 0; k < args.length; k++) {
    if (args[k] === '--url') url = args[++k]!;
    else if (args[k] === '--verbose') verbose = true;
    else files.push(args[k]!);
  }
  if (files.length === 0) {
    console.error('usage: npm run slt -- [--url URL] [--verbose] FILE.test ...');
    process.exit(2);
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const results: FileResult[] = [];
  for (const file of files) {
    const r = await runFile(client, file);
    results.push(r);
    const total = r.passed + r.failed;
    console.log(`${file}: ${r.passed}/${total} passed (${total ? ((100 * r.passed) / total).toFixed(1) : '0'}%), ${r.skipped} skipped`);
    if (verbose) for (const f of r.failures.slice(0, 20)) console.log(`  line ${f.line}: ${f.why}\n    ${f.sql.replace(/\n/g, ' ').slice(0, 160)}`);
  }
  console.log('most common failures:');
  for (const [why, n] of topReasons(results, 12)) console.log(`  ${String(n).padStart(6)}  ${why}`);
  await client.end();
}

if (process.argv[1] && /sqllogictest\.ts$/.test(process.argv[1])) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
