/**
 * A tiny SQL token cursor for the pre-parser of definite's SQL extensions (CREATE SOURCE,
 * CREATE/DROP CLUSTER, SUBSCRIBE, SHOW ...). Errors are SqlErrors with SQLSTATE 42601 and the
 * 1-based position of the offending token.
 */
import { SqlError, SqlState } from '../../../protocol/control/errors.js';

export type Token =
  | { t: 'word'; v: string; upper: string; pos: number }
  | { t: 'quoted'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; pos: number }
  | { t: 'punct'; v: string; pos: number };

export function tokenize(text: string, base = 0): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(i))![0];
      out.push({ t: 'word', v: m.toLowerCase(), upper: m.toUpperCase(), pos: base + i + 1 });
      i += m.length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(text.slice(i))![0];
      out.push({ t: 'number', v: Number(m), pos: base + i + 1 });
      i += m.length;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let v = '';
      for (;;) {
        if (j >= text.length) throw new SqlError(SqlState.SyntaxError, `unterminated ${c === "'" ? 'string' : 'quoted identifier'}`, { position: base + i + 1 });
        if (text[j] === c) {
          if (text[j + 1] === c) {
            v += c;
            j += 2;
            continue;
          }
          break;
        }
        v += text[j];
        j++;
      }
      out.push(c === "'" ? { t: 'string', v, pos: base + i + 1 } : { t: 'quoted', v, pos: base + i + 1 });
      i = j + 1;
    } else {
      out.push({ t: 'punct', v: c, pos: base + i + 1 });
      i++;
    }
  }
  return out;
}

export class Cursor {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly end: number,
  ) {}

  peek(k = 0): Token | undefined {
    return this.tokens[this.i + k];
  }
  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }
  /** True (and consumes) when the next tokens are these keywords. */
  keywords(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) {
      const t = this.tokens[this.i + k];
      if (!t || t.t !== 'word' || t.upper !== words[k]) return false;
    }
    this.i += words.length;
    return true;
  }
  expectKeywords(...words: string[]): void {
    if (!this.keywords(...words)) this.fail(`expected ${words.join(' ')}`);
  }
  punct(p: string): boolean {
    const t = this.peek();
    if (t && t.t === 'punct' && t.v === p) {
      this.i++;
      return true;
    }
    return false;
  }
  expectPunct(p: string): void {
    if (!this.punct(p)) this.fail(`expected "${p}"`);
  }
  /** An identifier (plain words fold to lower case; "quoted" keep their case). */
  ident(what = 'a name'): string {
    const t = this.peek();
    if (t && (t.t === 'word' || t.t === 'quoted')) {
      this.i++;
      return t.v;
    }
    return this.fail(`expected ${what}`);
  }
  string(what = 'a string literal'): string {
    const t = this.peek();
    if (t && t.t === 'string') {
      this.i++;
      return t.v;
    }
    return this.fail(`expected ${what}`);
  }
  number(what = 'a number'): number {
    const t = this.peek();
    if (t && t.t === 'number') {
      this.i++;
      return t.v;
    }
    return this.fail(`expected ${what}`);
  }
  expectEnd(): void {
    if (!this.atEnd()) this.fail('unexpected text');
  }
  fail(message: string): never {
    const t = this.peek();
    const near = t ? ` at or near "${t.t === 'word' ? t.v : String(t.v)}"` : ' at end of input';
    throw new SqlError(SqlState.SyntaxError, `syntax error: ${message}${near}`, { position: t ? t.pos : this.end + 1 });
  }
  /** The index of the next token (for slicing the original text). */
  position(): number {
    const t = this.peek();
    return t ? t.pos - 1 : this.end;
  }
}
