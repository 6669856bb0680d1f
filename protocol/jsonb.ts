/**
 * SQL `jsonb` values, as Postgres 15 has them (issue #18). A jsonb value travels (rows, msgpack,
 * LevelDB, NATS) as a string: SOH (`\u0001`) then the document's canonical text, exactly what
 * Postgres' jsonb_out prints: object keys sorted by length then bytes with duplicates dropped
 * (the last one kept), `", "` and `": "` as separators, numbers as numeric_out prints them
 * (`1.50` stays `1.50`, `1e3` is `1000`). Equal documents of one spelling are one string, so
 * rows, DELETEs and consolidation compare them with `===`; SQL equality, ordering and hashing
 * (`compareJsonb`, `jsonbKey`) follow Postgres' jsonb btree order, where numbers compare by
 * value (`1.0` = `1`). A text value that itself starts with SOH would be ordered as jsonb by the
 * value order in protocol/compute/row.ts (and falls back to text order when it is not a document).
 *
 * This module owns the tree form (`Jsonb`), the strict parser of Postgres' JSON input syntax
 * (22P02 on bad input, 22P05 for `\u0000`), the canonical text, the order and the hash key.
 * It imports nothing but protocol/numeric.ts.
 */
import { decimalText, normalize, parseDecimal } from './numeric.js';

/** The first character of a jsonb value. */
export const JSONB_TAG = '\u0001';

/** A JSON number as numeric_out prints it (`text` is already canonical). */
export class JsonbNumber {
  constructor(readonly text: string) {}
}

/** A JSON object: its pairs sorted by key (length, then bytes), keys unique. */
export class JsonbObject {
  constructor(readonly entries: Array<[string, Jsonb]>) {}
  get(key: string): Jsonb | undefined {
    for (const [k, v] of this.entries) if (k === key) return v;
    return undefined;
  }
}

/** A JSON document as a tree. */
export type Jsonb = null | boolean | string | JsonbNumber | Jsonb[] | JsonbObject;

/** Bad JSON input: `code` is 22P02 (syntax) or 22P05 (an escape text cannot hold). */
export class JsonbInputError extends Error {
  override readonly name = 'JsonbInputError';
  constructor(readonly code: '22P02' | '22P05', message: string, readonly detail: string) {
    super(message);
  }
}

/** Postgres' order of object keys: shorter first, then by UTF-8 bytes (code points). */
export function compareKeys(a: string, b: string): number {
  if (a.length !== b.length && !/[\u0080-\uffff]/.test(a + b)) return a.length - b.length;
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) return x.length - y.length;
  return Buffer.compare(x, y);
}

/** An object from pairs in input order: sorted, the last of equal keys kept. */
export function objectOf(pairs: Array<[string, Jsonb]>): JsonbObject {
  const last = new Map<string, Jsonb>();
  for (const [k, v] of pairs) {
    last.delete(k);
    last.set(k, v);
  }
  return new JsonbObject([...last.entries()].sort((a, b) => compareKeys(a[0], b[0])));
}

/** A number from JSON number text (any valid spelling). */
export function numberOf(text: string): JsonbNumber {
  const d = parseDecimal(text);
  return new JsonbNumber(d === undefined ? text : decimalText(d));
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Reads JSON text as Postgres' jsonb_in does; throws JsonbInputError on bad input. */
export function parseJsonb(text: string): Jsonb {
  let at = 0;
  const bad = (detail: string): never => {
    throw new JsonbInputError('22P02', 'invalid input syntax for type json', detail);
  };
  const space = () => {
    while (at < text.length) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) at++;
      else break;
    }
  };
  const token = (): string => {
    const m = /^[^\s,:{}[\]"]+/.exec(text.slice(at));
    return m ? m[0] : text[at] ?? '';
  };
  const string = (): string => {
    at++; // opening quote
    let out = '';
    for (;;) {
      if (at >= text.length) bad('The input string ended unexpectedly.');
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        at++;
        return out;
      }
      if (c < 0x20) bad(`Character with value 0x${c.toString(16).padStart(2, '0')} must be escaped.`);
      if (c !== 0x5c) {
        out += text[at++];
        continue;
      }
      const e = text[at + 1];
      at += 2;
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(at, at + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) bad('"\\u" must be followed by four hexadecimal digits.');
          at += 4;
          const u = parseInt(hex, 16);
          if (u === 0) throw new JsonbInputError('22P05', 'unsupported Unicode escape sequence', '\\u0000 cannot be converted to text.');
          if (u >= 0xd800 && u <= 0xdbff) {
            const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(text.slice(at));
            if (!low) bad('Unicode low surrogate must follow a high surrogate.');
            at += 6;
            out += String.fromCharCode(u, parseInt(low![1]!, 16));
          } else if (u >= 0xdc00 && u <= 0xdfff) bad('Unicode low surrogate must follow a high surrogate.');
          else out += String.fromCharCode(u);
          break;
        }
        default:
          bad(`Escape sequence "\\${e ?? ''}" is invalid.`);
      }
    }
  };
  const value = (): Jsonb => {
    space();
    if (at >= text.length) bad('The input string ended unexpectedly.');
    const c = text[at];
    if (c === '{') {
      at++;
      const pairs: Array<[string, Jsonb]> = [];
      space();
      if (text[at] === '}') return at++, objectOf(pairs);
      for (;;) {
        space();
        if (text[at] !== '"') bad(at >= text.length ? 'The input string ended unexpectedly.' : `Expected string or "}", but found "${token()}".`);
        const key = string();
        space();
        if (text[at] !== ':') bad(at >= text.length ? 'The input string ended unexpectedly.' : `Expected ":", but found "${token()}".`);
        at++;
        pairs.push([key, value()]);
        space();
        const d = text[at++];
        if (d === '}') return objectOf(pairs);
        if (d !== ',') bad(d === undefined ? 'The input string ended unexpectedly.' : `Expected "," or "}", but found "${(at--, token())}".`);
      }
    }
    if (c === '[') {
      at++;
      const items: Jsonb[] = [];
      space();
      if (text[at] === ']') return at++, items;
      for (;;) {
        items.push(value());
        space();
        const d = text[at++];
        if (d === ']') return items;
        if (d !== ',') bad(d === undefined ? 'The input string ended unexpectedly.' : `Expected "," or "]", but found "${(at--, token())}".`);
      }
    }
    if (c === '"') return string();
    const word = token();
    if (word === 'true' || word === 'false' || word === 'null') {
      at += word.length;
      return word === 'null' ? null : word === 'true';
    }
    NUMBER.lastIndex = at;
    const m = NUMBER.exec(text);
    if (!m || m[0] !== word) bad(`Token "${word}" is invalid.`);
    at += word.length;
    return numberOf(word);
  };
  const result = value();
  space();
  if (at < text.length) bad(`Expected end of input, but found "${token()}".`);
  return result;
}

/** A string as Postgres' escape_json writes it. */
export function quoteJson(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20) out += s[i];
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else out += '\\u' + c.toString(16).padStart(4, '0');
  }
  return out + '"';
}

/** The canonical text of a document (jsonb_out). */
export function jsonbText(j: Jsonb): string {
  if (j === null) return 'null';
  if (j === true) return 'true';
  if (j === false) return 'false';
  if (typeof j === 'string') return quoteJson(j);
  if (j instanceof JsonbNumber) return j.text;
  if (Array.isArray(j)) return `[${j.map(jsonbText).join(', ')}]`;
  return `{${j.entries.map(([k, v]) => `${quoteJson(k)}: ${jsonbText(v)}`).join(', ')}}`;
}

/** A document as a jsonb value (the tagged string). */
export function jsonbValue(j: Jsonb): string {
  return JSONB_TAG + jsonbText(j);
}

/** Whether `v` is a jsonb value. */
export function isJsonbValue(v: unknown): v is string {
  return typeof v === 'string' && v.charCodeAt(0) === 1;
}

const cache = new Map<string, Jsonb>();

/** The document of a jsonb value (cached: the same values recur in a dataflow). */
export function jsonbOf(v: string): Jsonb {
  let j = cache.get(v);
  if (j === undefined) {
    j = parseJsonb(v.slice(1));
    if (cache.size >= 4096) cache.clear();
    cache.set(v, j);
  }
  return j;
}

/** Whether `v` is a jsonb value in canonical form (STORAGE's validation). */
export function isCanonicalJsonb(v: unknown): boolean {
  if (!isJsonbValue(v)) return false;
  try {
    return jsonbValue(jsonbOf(v)) === v;
  } catch {
    return false;
  }
}

/** Postgres' type name of a document (jsonb_typeof). */
export function jsonbTypeOf(j: Jsonb): 'null' | 'boolean' | 'string' | 'number' | 'array' | 'object' {
  if (j === null) return 'null';
  if (typeof j === 'boolean') return 'boolean';
  if (typeof j === 'string') return 'string';
  if (j instanceof JsonbNumber) return 'number';
  return Array.isArray(j) ? 'array' : 'object';
}

/** Postgres' jbvType order: null < string < numeric < bool < array < object. */
function kind(j: Jsonb): number {
  if (j === null) return 0;
  if (typeof j === 'string') return 1;
  if (j instanceof JsonbNumber) return 2;
  if (typeof j === 'boolean') return 3;
  return Array.isArray(j) ? 16 : 17;
}

function compareNumbers(a: JsonbNumber, b: JsonbNumber): number {
  const x = parseDecimal(a.text)!;
  const y = parseDecimal(b.text)!;
  const s = Math.max(x.scale, y.scale);
  const m = x.mant * 10n ** BigInt(s - x.scale);
  const n = y.mant * 10n ** BigInt(s - y.scale);
  return m === n ? 0 : m < n ? -1 : 1;
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function compareNested(a: Jsonb, b: Jsonb, rawA: boolean, rawB: boolean): number {
  const ka = kind(a);
  const kb = kind(b);
  if (ka !== kb) return ka > kb ? 1 : -1;
  switch (ka) {
    case 0:
      return 0;
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return compareNumbers(a as JsonbNumber, b as JsonbNumber);
    case 3:
      return a === b ? 0 : a ? 1 : -1;
    case 16: {
      const x = a as Jsonb[];
      const y = b as Jsonb[];
      // As compareJsonbContainers: a raw scalar before an array, but the element count decides first.
      let res = rawA !== rawB ? (rawA ? -1 : 1) : 0;
      if (x.length !== y.length) res = x.length > y.length ? 1 : -1;
      if (res !== 0) return res;
      for (let i = 0; i < x.length; i++) {
        const c = compareNested(x[i]!, y[i]!, false, false);
        if (c !== 0) return c;
      }
      return 0;
    }
    default: {
      const x = (a as JsonbObject).entries;
      const y = (b as JsonbObject).entries;
      if (x.length !== y.length) return x.length > y.length ? 1 : -1;
      for (let i = 0; i < x.length; i++) {
        const k = compareStrings(x[i]![0], y[i]![0]);
        if (k !== 0) return k;
        const c = compareNested(x[i]![1], y[i]![1], false, false);
        if (c !== 0) return c;
      }
      return 0;
    }
  }
}

const isScalar = (j: Jsonb) => j === null || typeof j !== 'object' || j instanceof JsonbNumber;

/** Postgres' jsonb order (jsonb_cmp): top-level scalars are one-element "raw scalar" arrays. */
export function compareJsonb(a: Jsonb, b: Jsonb): number {
  const ra = isScalar(a);
  const rb = isScalar(b);
  return compareNested(ra ? [a] : a, rb ? [b] : b, ra, rb);
}

/** The order of two jsonb values (tagged strings). */
export function compareJsonbValues(a: string, b: string): number {
  if (a === b) return 0;
  return compareJsonb(jsonbOf(a), jsonbOf(b));
}

function keyText(j: Jsonb): string {
  if (j instanceof JsonbNumber) return decimalText(normalize(parseDecimal(j.text)!));
  if (Array.isArray(j)) return `[${j.map(keyText).join(',')}]`;
  if (j instanceof JsonbObject) return `{${j.entries.map(([k, v]) => `${quoteJson(k)}:${keyText(v)}`).join(',')}}`;
  return jsonbText(j);
}

/** A string equal for, and only for, jsonb values that are equal (numbers by value): for hashing. */
export function jsonbKey(v: string): string {
  try {
    return keyText(jsonbOf(v));
  } catch {
    return v;
  }
}
