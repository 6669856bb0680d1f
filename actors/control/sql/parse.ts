/**
 * The Postgres grammar, through libpg-query (the real parser, compiled to WebAssembly): loads it
 * once, parses statement text into libpg-query's AST, and turns its syntax errors into SqlErrors
 * with SQLSTATE 42601 and the 1-based character position in what the user typed. It does not
 * plan, resolve names or know about definite's extensions (preparse.ts handles those first).
 */
import { loadModule, parseSync, type Node, type SelectStmt } from 'libpg-query';
import { SqlError, SqlState } from '../../../protocol/control/errors.js';

let loading: Promise<void> | undefined;
let loaded = false;

/** Loads the parser (WebAssembly) once; every parse function needs it to have resolved. */
export function loadSqlParser(): Promise<void> {
  loading ??= loadModule().then(() => {
    loaded = true;
  });
  return loading;
}

/**
 * Where a statement's text came from, so AST locations (UTF-8 byte offsets into `text`) become
 * the 1-based character positions Postgres reports in the whole input.
 */
export class SqlSource {
  private readonly ascii: boolean;
  constructor(
    readonly text: string,
    /** 0-based character offset of `text` in the user's input (splitStatements' `offset`). */
    readonly offset = 0,
  ) {
    this.ascii = !/[^\x00-\x7f]/.test(text);
  }

  /** The 1-based character position of an AST `location` (a byte offset), or undefined. */
  position(location: number | undefined): number | undefined {
    if (location === undefined || location < 0) return undefined;
    const chars = this.ascii ? location : Buffer.from(this.text, 'utf8').subarray(0, location).toString('utf8').length;
    return this.offset + chars + 1;
  }
}

/**
 * Parses one or more statements. Throws SqlError 42601 (with `position`) on a syntax error.
 * Returns each statement's AST node (`{ SelectStmt: ... }`, `{ InsertStmt: ... }`, ...).
 */
export function parseStatements(text: string, offset = 0): Node[] {
  if (!loaded) throw new SqlError(SqlState.InternalError, 'the SQL parser is not loaded yet (await loadSqlParser() first)');
  let result;
  try {
    result = parseSync(text);
  } catch (e) {
    const details = (e as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
    const message = details?.message ?? (e instanceof Error ? e.message : String(e));
    // libpg-query reports a 0-based character cursor (Postgres counts characters, not bytes).
    const position = details?.cursorPosition !== undefined ? offset + details.cursorPosition + 1 : undefined;
    throw new SqlError(SqlState.SyntaxError, message, position !== undefined ? { position } : {});
  }
  return (result.stmts ?? []).flatMap((s) => (s.stmt ? [s.stmt] : []));
}

/** Parses text that must be exactly one query (SELECT, VALUES, set operation, WITH ...). */
export function parseQuery(text: string, offset = 0): SelectStmt {
  const stmts = parseStatements(text, offset);
  if (stmts.length !== 1) throw new SqlError(SqlState.SyntaxError, `expected one query, found ${stmts.length} statements`, { position: offset + 1 });
  const stmt = stmts[0]!;
  if (!('SelectStmt' in stmt)) {
    throw new SqlError(SqlState.SyntaxError, `expected a query (SELECT, VALUES, ...), found ${Object.keys(stmt)[0]}`, { position: offset + 1 });
  }
  return stmt.SelectStmt;
}
