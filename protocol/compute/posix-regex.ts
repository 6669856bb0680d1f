/**
 * Postgres' regular expressions (POSIX "advanced" regular expressions, the `~` family of
 * operators) as JavaScript RegExps. The common syntax is the same; this translates what differs
 * (bracket classes `[[:alpha:]]`, the escapes `\m \M \y \Y \A \Z`, a `\` class shorthand inside
 * brackets) and refuses what JavaScript would read differently (back-references are fine,
 * embedded options `(?i)`, collating elements `[[.x.]]` and equivalence classes `[[=x=]]` are
 * not). Unanchored, as `~` is: a match anywhere in the string. It evaluates nothing itself.
 */

const CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v',
  punct: '!-\\/:-@\\[-`{-~', xdigit: '0-9A-Fa-f', word: '\\w', blank: ' \\t', cntrl: '\\x00-\\x1f\\x7f', print: '\\x20-\\x7e', graph: '\\x21-\\x7e',
};

const cache = new Map<string, RegExp>();

/** Thrown (by posixRegExp) for a pattern that is invalid or that definite cannot translate. */
export class RegexSyntaxError extends Error {
  override readonly name = 'RegexSyntaxError';
}

/** The JavaScript RegExp matching what the Postgres pattern `pattern` matches. */
export function posixRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const key = (caseInsensitive ? 'i' : 'c') + pattern;
  const hit = cache.get(key);
  if (hit) return hit;
  const re = new RegExp(translate(pattern), caseInsensitive ? 'iu' : 'u');
  if (cache.size >= 1024) cache.clear();
  cache.set(key, re);
  return re;
}

function translate(pattern: string): string {
  const chars = [...pattern];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      const n = chars[++i];
      if (n === undefined) throw new RegexSyntaxError('invalid regular expression: invalid escape \\ sequence');
      if (n === 'm') out += '\\b(?=\\w)';
      else if (n === 'M') out += '\\b(?<=\\w)';
      else if (n === 'y') out += '\\b';
      else if (n === 'Y') out += '\\B';
      else if (n === 'A') out += '^';
      else if (n === 'Z') out += '$';
      else out += '\\' + n;
    } else if (c === '[') {
      const end = bracket(chars, i);
      out += end.source;
      i = end.last;
    } else if (c === '(' && chars[i + 1] === '?' && !['=', '!', ':', '<'].includes(chars[i + 2] ?? '')) {
      throw new RegexSyntaxError('embedded options in a regular expression are not supported');
    } else if (c === '/') out += '\\/';
    else out += c;
  }
  return out;
}

/** A bracket expression starting at chars[start] ('['): its JavaScript source and last index. */
function bracket(chars: string[], start: number): { source: string; last: number } {
  let i = start + 1;
  let out = '[';
  if (chars[i] === '^') {
    out += '^';
    i++;
  }
  // A ']' first in the brackets is a literal.
  if (chars[i] === ']') {
    out += '\\]';
    i++;
  }
  for (; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === ']') return { source: out + ']', last: i };
    if (c === '[' && (chars[i + 1] === ':' || chars[i + 1] === '.' || chars[i + 1] === '=')) {
      const kind = chars[i + 1]!;
      const close = chars.indexOf(kind, i + 2);
      if (close < 0 || chars[close + 1] !== ']') throw new RegexSyntaxError('invalid regular expression: brackets [] not balanced');
      const name = chars.slice(i + 2, close).join('');
      if (kind !== ':') throw new RegexSyntaxError('collating elements and equivalence classes in regular expressions are not supported');
      const cls = CLASSES[name];
      if (cls === undefined) throw new RegexSyntaxError(`invalid regular expression: invalid character class "${name}"`);
      out += cls;
      i = close + 1;
    } else if (c === '\\') {
      // Inside brackets a backslash escapes (Postgres ARE): \d \w \s and literal characters.
      const n = chars[++i];
      if (n === undefined) break;
      out += '\\' + n;
    } else if (c === '[') out += '\\[';
    else out += c;
  }
  throw new RegexSyntaxError('invalid regular expression: brackets [] not balanced');
}
