/**
 * COPY FROM STDIN's receiving side (copy.ts CopyIn) and the update encoder it writes into
 * (update-encoder.ts): the encoded updates are byte for byte `encode(updates)` of the same rows,
 * and CopyIn's rows and errors equal those of the line-by-line reference (splitTextLine +
 * typedRow of copy-text.ts, the general path) for seeded random data cut at random places.
 */
import { encode, decode } from '../../../protocol/codec.js';
import type { Column, Row, Update } from '../../../protocol/types.js';
import { CopyIn } from '../../../actors/control/pgwire/copy.js';
import { splitCsv, splitTextLine, typedRow } from '../../../actors/control/pgwire/copy-text.js';
import { decodedRows, PART_BYTES, UpdateEncoder } from '../../../actors/control/update-encoder.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const TS = 1_765_123_456_789;

test('the encoder writes what encode() writes for the same updates, in parts of about PART_BYTES', () => {
  const r = rng(7);
  const values = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, 1.5, -0, NaN, Infinity, 2 ** 53, '', 'a', 'x'.repeat(31), 'x'.repeat(32), 'y'.repeat(300), 'z'.repeat(70000), 'é€😀', null, true, false, [1, null, 'a'], []];
  const rows: Row[] = [];
  for (let i = 0; i < 20_000; i++) {
    const width = 1 + Math.floor(r() * 18);
    rows.push(Array.from({ length: width }, () => values[Math.floor(r() * values.length)]!) as Row);
  }
  const enc = new UpdateEncoder();
  for (const row of rows) enc.row(row, 1);
  const parts = enc.parts(TS);
  expect(parts.length).toBeGreaterThan(1);
  let at = 0;
  for (const part of parts) {
    const updates = decode(part) as Update[];
    expect(Buffer.from(part).equals(Buffer.from(encode(rows.slice(at, at + updates.length).map((row): Update => [row, TS, 1]))))).toBe(true);
    expect(part.length).toBeLessThan(PART_BYTES + 18 * 70_010 + 100); // a part ends after the row that reaches PART_BYTES
    at += updates.length;
  }
  expect(at).toBe(rows.length);
  expect(enc.rows).toBe(rows.length);
  // A small batch is one part; diffs of -1; no rows, no parts.
  const small = new UpdateEncoder();
  small.row([1, 'a'], -1);
  expect(Buffer.from(small.parts(TS)[0]!).equals(Buffer.from(encode([[[1, 'a'], TS, -1]])))).toBe(true);
  expect(new UpdateEncoder().parts(TS)).toEqual([]);
});

const COLUMNS: Column[] = [
  { name: 'i', type: 'int', nullable: false },
  { name: 's', type: 'smallint', nullable: true },
  { name: 'b', type: 'bigint', nullable: true },
  { name: 't', type: 'text', nullable: true },
  { name: 'v', type: 'text', nullable: true, length: 5 },
  { name: 'f', type: 'float', nullable: true },
  { name: 'n', type: 'numeric', nullable: true },
  { name: 'o', type: 'bool', nullable: true },
  { name: 'ts', type: 'timestamp', nullable: true },
] as Column[];

const FIELDS: string[][] = [
  ['0', '1', '-1', '+7', '2147483647', '-2147483647', '-2147483648', '2147483648', ' 5', 'x', '', '\\N', '12345678901234567'],
  ['0', '32767', '-32768', '-32767', '40000', '\\N', 'a'],
  ['0', '9007199254740991', '-12', '9007199254740993', '\\N', '1e3'],
  ['', 'abc', 'é', 'a\\tb', 'back\\\\slash', '\\N', '\\x41\\101', 'caf\u00e9 €', 'r\r'],
  ['abc', 'abcde', 'abcdef', '\\N', 'é'],
  ['1.5', 'NaN', '-Infinity', '1e400', 'x', '\\N', '3'],
  ['1.25', '-0.5', 'x', '\\N', '1e2'],
  ['t', 'false', 'yes', 'maybe', '\\N'],
  ['2024-01-02 03:04:05', '2024-01-02', 'x', '\\N', '2024-02-30'],
];

function outcome(f: () => Row[]): { rows?: Row[]; error?: string } {
  try {
    return { rows: f() };
  } catch (err) {
    return { error: `${(err as { code?: string }).code} ${(err as Error).message} ${JSON.stringify((err as { hint?: string }).hint ?? (err as { details?: unknown }).details ?? '')}` };
  }
}

/** The reference: each line split and typed by copy-text.ts, the first error wins. */
function reference(text: string, columns: Column[], header: boolean): Row[] {
  const lines = text.split('\n');
  const last = lines.pop()!;
  const rows: Row[] = [];
  let n = 0;
  const one = (l: string): boolean => {
    n++;
    if (header && n === 1) return true;
    if (l === '\\.') return false;
    rows.push(typedRow(splitTextLine(l), columns, n));
    return true;
  };
  for (const l of lines) if (!one(l.endsWith('\r') ? l.slice(0, -1) : l)) return rows;
  if (last !== '') one(last);
  return rows;
}

function received(text: string, columns: Column[], header: boolean, cuts: number[], format: 'text' | 'csv' = 'text'): Row[] {
  const copy = new CopyIn('t', 'u1', columns, format, header);
  const bytes = Buffer.from(text, 'utf8');
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    copy.data(bytes.subarray(from, c));
    from = c;
  }
  copy.done();
  return decodedRows(copy.encoder).map(([row]) => row);
}

test('CopyIn (text) types rows and reports errors as the line-by-line reference, however the data is cut', () => {
  const r = rng(11);
  const seen = { rows: 0, errors: 0 };
  for (let round = 0; round < 400; round++) {
    const lines: string[] = [];
    const count = 1 + Math.floor(r() * 30);
    const clean = r() < 0.5;
    for (let i = 0; i < count; i++) {
      let fields = FIELDS.map((choices, c) => (clean ? choices[c === 0 ? 0 : Math.floor(r() * 2)]! : choices[Math.floor(r() * choices.length)]!));
      if (!clean && r() < 0.05) fields = fields.slice(0, 8);
      if (!clean && r() < 0.05) fields = [...fields, 'extra'];
      lines.push(fields.join('\t'));
    }
    if (r() < 0.1) lines.splice(Math.floor(r() * lines.length), 0, '\\.');
    let text = lines.join(r() < 0.2 ? '\r\n' : '\n');
    if (r() < 0.8) text += '\n';
    const header = r() < 0.2;
    const bytes = Buffer.byteLength(text);
    const cuts = Array.from({ length: Math.floor(r() * 6) }, () => Math.floor(r() * bytes)).sort((a, b) => a - b);
    const want = outcome(() => reference(text, COLUMNS, header));
    const got = outcome(() => received(text, COLUMNS, header, cuts));
    expect({ round, ...got }).toEqual({ round, ...want });
    if (want.error) seen.errors++;
    else seen.rows += want.rows!.length;
  }
  expect(seen.errors).toBeGreaterThan(50);
  expect(seen.rows).toBeGreaterThan(1000);
});

test('CopyIn (CSV) is the record splitter and typedRow; one byte at a time is the same', () => {
  const columns = COLUMNS.slice(0, 4);
  const text = '1,2,3,"a,b"\n2,,,\n3,4,5,"say ""hi"""\n4,1,1,é€\n';
  const want = splitCsv(text, true).records.map((rec, i) => typedRow(rec, columns, i + 1));
  const oneByOne = Array.from({ length: Buffer.byteLength(text) - 1 }, (_, i) => i + 1);
  expect(received(text, columns, false, oneByOne, 'csv')).toEqual(want);
  expect(received(text, columns, false, [], 'csv')).toEqual(want);
});

test('CopyIn (text) without backslashes: one column, and lines with too few or too many fields, as the reference', () => {
  const one = [{ name: 'x', type: 'text', nullable: true }] as Column[];
  const lines = Array.from({ length: 20_000 }, (_, i) => `row ${i}`).join('\n') + '\n';
  expect(received(lines, one, false, [7, 100_000])).toEqual(reference(lines, one, false));
  const two = COLUMNS.slice(0, 2);
  for (const text of ['1\t2\n3\t4\t5\n', '1\t2\n3\n', '1\t2\n\t\n', '1\t2\n5\t6']) {
    expect(outcome(() => received(text, two, false, [3]))).toEqual(outcome(() => reference(text, two, false)));
  }
});

test("each integer type's minimum is in range, one past it is 22003 (as PostgreSQL)", () => {
  const cols = [{ name: 's', type: 'smallint', nullable: true }, { name: 'i', type: 'int', nullable: true }] as Column[];
  expect(received('-32768\t-2147483648\n32767\t2147483647\n', cols, false, [])).toEqual([[-32768, -2147483648], [32767, 2147483647]]);
  for (const line of ['-32769\t0\n', '0\t-2147483649\n', '32768\t0\n', '0\t2147483648\n']) {
    expect(outcome(() => received(line, cols, false, [])).error).toMatch(/out of range.*"sqlstate":"22003"/);
  }
});
