/**
 * One-dimensional SQL arrays: the array column types (`int[]`, `text[]`, ...: an element type
 * with `[]`), and their text form as Postgres writes and reads it (array_out / array_in):
 * `{1,2,NULL}`, `{"a b","",NULL,"\"q\""}`, `{}`. An element is quoted when it is empty, is
 * `NULL` in any case, or holds `{ } " , \` or white space; `"` and `\` are backslash-escaped.
 * Reading accepts quoted and unquoted elements (white space around unquoted ones is dropped,
 * unquoted `NULL` is NULL), and refuses nested braces and dimension decorations (`[1:2]={...}`):
 * definite's arrays have one dimension and the lower bound 1. Pure functions, no I/O.
 */
import type { ColumnType, ScalarValue, Value } from './types.js';

/** The array type of an element type (`int` -> `int[]`), or undefined for one definite has no array of. */
export function arrayTypeOf(element: ColumnType): ColumnType | undefined {
  const t = `${element}[]`;
  return ARRAY_TYPES.has(t) ? (t as ColumnType) : undefined;
}

const ARRAY_TYPES = new Set(['bool[]', 'smallint[]', 'int[]', 'bigint[]', 'float[]', 'numeric[]', 'text[]']);

/** Whether `t` is an array type. */
export function isArrayType(t: ColumnType | null | undefined): boolean {
  return t !== null && t !== undefined && t.endsWith('[]');
}

/** The element type of an array type (`int[]` -> `int`); undefined for a type that is not an array. */
export function elementTypeOf(t: ColumnType | null | undefined): ColumnType | undefined {
  return t && t.endsWith('[]') ? (t.slice(0, -2) as ColumnType) : undefined;
}

/** Whether an element's text must be quoted in array_out. */
function needsQuotes(s: string): boolean {
  return s === '' || s.toLowerCase() === 'null' || /[{}",\\\s]/.test(s);
}

/** The text of an array from its elements' texts (`null` for a NULL element), as array_out. */
export function formatArray(elements: ReadonlyArray<string | null>): string {
  const parts = elements.map((e) => (e === null ? 'NULL' : needsQuotes(e) ? `"${e.replace(/(["\\])/g, '\\$1')}"` : e));
  return `{${parts.join(',')}}`;
}

/** Why a text is not an array literal (Postgres' detail), or the element texts (`null` for NULL). */
export function parseArrayText(text: string): { ok: true; elements: Array<string | null> } | { ok: false; detail: string } {
  const s = text.trim();
  if (s.startsWith('[')) return { ok: false, detail: 'Array dimensions are not supported.' };
  if (!s.startsWith('{')) return { ok: false, detail: 'Array value must start with "{" or dimension information.' };
  const elements: Array<string | null> = [];
  let i = 1;
  const ws = (c: string | undefined) => c !== undefined && /\s/.test(c);
  while (ws(s[i])) i++;
  if (s[i] === '}') {
    return i === s.length - 1 ? { ok: true, elements } : { ok: false, detail: 'Junk after closing right brace.' };
  }
  for (;;) {
    while (ws(s[i])) i++;
    if (i >= s.length) return { ok: false, detail: 'Unexpected end of input.' };
    const c = s[i]!;
    if (c === '{') return { ok: false, detail: 'Multidimensional arrays are not supported.' };
    if (c === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) return { ok: false, detail: 'Unexpected end of input.' };
        const d = s[i]!;
        if (d === '\\') {
          if (i + 1 >= s.length) return { ok: false, detail: 'Unexpected end of input.' };
          v += s[i + 1];
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          v += d;
          i++;
        }
      }
      elements.push(v);
      while (ws(s[i])) i++;
    } else {
      let v = '';
      let escaped = false;
      while (i < s.length && s[i] !== ',' && s[i] !== '}') {
        const d = s[i]!;
        if (d === '"' || d === '{') return { ok: false, detail: `Unexpected "${d}" character.` };
        if (d === '\\') {
          if (i + 1 >= s.length) return { ok: false, detail: 'Unexpected end of input.' };
          v += s[i + 1];
          escaped = true;
          i += 2;
        } else {
          v += d;
          i++;
        }
      }
      const trimmed = v.replace(/\s+$/, '');
      if (trimmed === '') return { ok: false, detail: `Unexpected "${s[i] ?? ''}" character.` };
      elements.push(!escaped && trimmed.toLowerCase() === 'null' ? null : trimmed);
    }
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] === '}') {
      i++;
      while (ws(s[i])) i++;
      return i === s.length ? { ok: true, elements } : { ok: false, detail: 'Junk after closing right brace.' };
    }
    return { ok: false, detail: 'Unexpected end of input.' };
  }
}

/** Whether a value is an array value (a JS array of scalars). */
export function isArrayValue(v: Value): v is ScalarValue[] {
  return Array.isArray(v);
}
