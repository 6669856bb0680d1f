/**
 * JSON with exact numbers. `JSON.parse` reads every number as a double, so `1.50` loses its scale
 * and `12345678901234567890` its last digits; sources that fill numeric and bigint columns, and
 * webhook bodies kept as text, need the digits as written. `parseJsonExact` is `JSON.parse`
 * (same validation, same errors) except that a number whose text is not the shortest form of a
 * double (`String(Number(text)) !== text`) comes back as a `JsonNumber` holding its text; the
 * common case (every number already its own shortest form) costs one scan and `JSON.parse`.
 * `stringifyJsonExact` writes a `JsonNumber` as Postgres' jsonb prints a number: the decimal's
 * plain digits at its display scale (`1.50`, `1e3` -> `1000`, `-0` -> `0`).
 */
import { decimalText, parseDecimal } from './numeric.js';

/** A JSON number kept as its source text (see the header). */
export class JsonNumber {
  constructor(readonly text: string) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Whether a number token is its own shortest double form (JSON.parse keeps it exactly). */
function canonical(token: string): boolean {
  return String(Number(token)) === token;
}

/** `JSON.parse(text)`, with non-canonical numbers as JsonNumber. Throws as JSON.parse does. */
export function parseJsonExact(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  return hasInexactNumber(text) ? new Reader(text).value() : value;
}

/** Whether valid JSON `text` has a number token outside strings that a double does not hold exactly. */
function hasInexactNumber(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(text)![0];
      if (!canonical(token)) return true;
      i += token.length - 1;
    }
  }
  return false;
}

/** A recursive reader of text already validated by JSON.parse. */
class Reader {
  private at = 0;
  constructor(private readonly text: string) {}

  value(): unknown {
    this.space();
    const c = this.text[this.at]!;
    if (c === '{') {
      this.at++;
      const obj: Record<string, unknown> = {};
      this.space();
      if (this.text[this.at] === '}') return this.at++, obj;
      for (;;) {
        this.space();
        const key = this.string();
        this.space();
        this.at++; // ':'
        const v = this.value();
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
        this.space();
        if (this.text[this.at++] === '}') return obj;
      }
    }
    if (c === '[') {
      this.at++;
      const arr: unknown[] = [];
      this.space();
      if (this.text[this.at] === ']') return this.at++, arr;
      for (;;) {
        arr.push(this.value());
        this.space();
        if (this.text[this.at++] === ']') return arr;
      }
    }
    if (c === '"') return this.string();
    if (this.text.startsWith('true', this.at)) return (this.at += 4), true;
    if (this.text.startsWith('false', this.at)) return (this.at += 5), false;
    if (this.text.startsWith('null', this.at)) return (this.at += 4), null;
    NUMBER.lastIndex = this.at;
    const token = NUMBER.exec(this.text)![0];
    this.at += token.length;
    return canonical(token) ? Number(token) : new JsonNumber(token);
  }

  private string(): string {
    const start = this.at;
    for (this.at++; this.text.charCodeAt(this.at) !== 0x22; this.at++) if (this.text.charCodeAt(this.at) === 0x5c) this.at++;
    this.at++;
    return JSON.parse(this.text.slice(start, this.at)) as string;
  }

  private space(): void {
    while (this.at < this.text.length && ' \t\n\r'.includes(this.text[this.at]!)) this.at++;
  }
}

/** The digits Postgres' jsonb prints for a JSON number (numeric_out of its value). */
export function jsonNumberText(n: JsonNumber): string {
  const d = parseDecimal(n.text);
  return d === undefined ? n.text : decimalText(d);
}

/** `JSON.stringify(value)` (compact), with each JsonNumber as `jsonNumberText`. */
export function stringifyJsonExact(value: unknown): string {
  if (value instanceof JsonNumber) return jsonNumberText(value);
  if (Array.isArray(value)) return `[${value.map((e) => (e === undefined ? 'null' : stringifyJsonExact(e))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, e] of Object.entries(value)) if (e !== undefined) parts.push(`${JSON.stringify(k)}:${stringifyJsonExact(e)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value);
}
