/**
 * A reader of nats-server's configuration format, enough for the `accounts` block of nats.conf:
 * maps `{ }` and arrays `[ ]`, keys separated from values by `:`, `=` or whitespace, items by
 * commas, semicolons or newlines, `#` and `//` comments, quoted ('...' / "...") and bare values
 * (a bare value ends at whitespace or a separator: `127.0.0.1:4222` is one value). A bare `$NAME` is a
 * variable: a top-level key of the file, else the environment (unset: undefined). `include` is
 * not followed. Values stay strings (numbers and booleans too); a syntax error throws.
 */
export type ConfValue = string | ConfValue[] | { [key: string]: ConfValue };
export type ConfMap = { [key: string]: ConfValue };

export class NatsConfError extends Error {
  override readonly name = 'NatsConfError';
}

export function parseNatsConf(text: string, env: NodeJS.ProcessEnv = process.env): ConfMap {
  let i = 0;
  const variables: Array<{ holder: ConfMap | ConfValue[]; key: string | number; name: string }> = [];

  const fail = (what: string): never => {
    const line = text.slice(0, i).split('\n').length;
    throw new NatsConfError(`nats.conf line ${line}: ${what}`);
  };
  /** Skips blanks and comments; with `newlines`, item separators too. */
  const skip = (separators: boolean): void => {
    for (;;) {
      const c = text[i];
      if (c === undefined) return;
      if (c === ' ' || c === '\t' || c === '\r' || (separators && (c === '\n' || c === ',' || c === ';'))) i++;
      else if (c === '#' || (c === '/' && text[i + 1] === '/')) while (i < text.length && text[i] !== '\n') i++;
      else return;
    }
  };
  const quoted = (): string => {
    const q = text[i++]!;
    let out = '';
    while (i < text.length && text[i] !== q) {
      if (q === '"' && text[i] === '\\' && i + 1 < text.length) {
        const e = text[i + 1]!;
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
        i += 2;
      } else out += text[i++];
    }
    if (text[i] !== q) fail('unterminated string');
    i++;
    return out;
  };
  const key = (): string => {
    if (text[i] === '"' || text[i] === "'") return quoted();
    const start = i;
    while (i < text.length && !/[\s:={}[\],;#]/.test(text[i]!)) i++;
    if (i === start) fail(`key expected at "${text.slice(i, i + 10)}"`);
    return text.slice(start, i);
  };
  const value = (holder: ConfMap | ConfValue[], slot: string | number): ConfValue => {
    const c = text[i];
    if (c === '{') {
      i++;
      const m = map('}');
      i++;
      return m;
    }
    if (c === '[') {
      i++;
      const arr: ConfValue[] = [];
      for (;;) {
        skip(true);
        if (text[i] === ']') break;
        if (i >= text.length) fail('unterminated array');
        arr.push(value(arr, arr.length));
      }
      i++;
      return arr;
    }
    if (c === '"' || c === "'") return quoted();
    const start = i;
    while (i < text.length && !/[\s,;}\]#]/.test(text[i]!)) i++;
    const bare = text.slice(start, i);
    if (bare === '') fail('value expected');
    if (bare.startsWith('$')) variables.push({ holder, key: slot, name: bare.slice(1) });
    return bare;
  };
  const map = (close: '}' | ''): ConfMap => {
    const m: ConfMap = {};
    for (;;) {
      skip(true);
      if (i >= text.length) {
        if (close) fail('unterminated block');
        return m;
      }
      if (text[i] === close) return m;
      const k = key();
      skip(false);
      if (text[i] === ':' || text[i] === '=') i++;
      skip(false);
      m[k] = value(m, k);
    }
  };

  const root = map('');
  for (const v of variables) {
    const top = root[v.name];
    const resolved = top !== undefined && !(top as string).startsWith?.('$') ? top : env[v.name];
    if (Array.isArray(v.holder)) v.holder[v.key as number] = resolved ?? '';
    else if (resolved === undefined) delete v.holder[v.key as string];
    else v.holder[v.key as string] = resolved;
  }
  return root;
}
