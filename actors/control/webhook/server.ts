/**
 * The HTTP front end of webhook sources, on 127.0.0.1: `POST /api/webhook/<database>/<schema>/<source>`
 * (Materialize's path; database `materialize`, schema `public`) appends one row to the source and
 * answers 200 once the row is durable and visible (group commit, so concurrent requests share
 * commits). Everything else is answered with a status and a JSON `{error}` and changes nothing:
 * 404 for an unknown path or source, 405 for a method other than POST, 413 for a body over
 * MAX_BODY_BYTES (the connection is then closed), 400 for a body that is not valid UTF-8 (TEXT) or
 * not one JSON document (JSON), 503 while the coordinator is not running or too many requests
 * wait, 500 when the commit fails (the row may then not be there; retry).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControlDeps } from '../deps.js';
import { parseJsonExact, stringifyJsonExact } from '../../../protocol/exact-json.js';
import { JsonbInputError, jsonbValue, parseJsonb } from '../../../protocol/jsonb.js';

/** The largest request body taken, as in Materialize (2 MiB). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Requests waiting for their commit at most; more are 503 (a client must not grow memory without bound). */
export const MAX_PENDING = 4096;

const PATH = /^\/api\/webhook\/([^/]+)\/([^/]+)\/([^/?]+)\/?(?:\?.*)?$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class WebhookServer {
  private server: Server | undefined;
  private pending = 0;
  accepted = 0;
  refused = 0;

  constructor(private readonly deps: () => ControlDeps | undefined) {}

  listen(port: number): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const m = PATH.exec(req.url ?? '');
      if (!m) throw new HttpError(404, 'not found: POST to /api/webhook/materialize/public/<source>');
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        throw new HttpError(405, `method ${req.method} is not allowed: POST`);
      }
      const [database, schema, name] = [m[1]!, m[2]!, m[3]!].map((p) => decodeURIComponent(p));
      if (database !== 'materialize' || schema !== 'public') throw new HttpError(404, `unknown database or schema "${database}.${schema}"`);
      const deps = this.deps();
      if (!deps) throw new HttpError(503, 'the coordinator is not running; retry');
      const source = deps.catalog.find(name!, 'source');
      if (!source || source.source?.['kind'] !== 'webhook' || !source.collection) throw new HttpError(404, `unknown webhook source "${name}"`);
      const body = await readBody(req);
      const row = [bodyText(body, source.source['format'] as string, source.columns?.[0]?.type === 'jsonb')];
      if (source.source['headers']) row.push(headersText(req));
      if (this.pending >= MAX_PENDING) throw new HttpError(503, 'too many requests waiting for their commit; retry');
      this.pending++;
      try {
        await deps.commits.write(new Map([[source.collection, [[row, 1]]]]));
      } catch (err) {
        throw new HttpError(500, `the write failed: ${(err as Error).message}`);
      } finally {
        this.pending--;
      }
      this.accepted++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } catch (err) {
      this.refused++;
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json', ...(status === 413 ? { connection: 'close' } : {}) });
      res.end(JSON.stringify({ error: (err as Error).message }));
      if (status === 413) req.destroy();
    }
  }
}

/** The request body, refused with 413 past MAX_BODY_BYTES (announced or read). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const announced = Number(req.headers['content-length'] ?? 0);
  if (announced > MAX_BODY_BYTES) return Promise.reject(new HttpError(413, `the body is over ${MAX_BODY_BYTES} bytes`));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `the body is over ${MAX_BODY_BYTES} bytes`));
        req.pause();
        return;
      }
      parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as the `body` column: TEXT as it is (valid UTF-8), JSON as a jsonb document
 * (protocol/jsonb.ts: Postgres' input rules, 400 where jsonb_in is 22P02 / 22P05), or in compact
 * form for a source created while the body was text.
 */
function bodyText(body: Buffer, format: string, jsonb: boolean): string {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new HttpError(400, 'the body is not valid UTF-8');
  }
  if (format !== 'json') return text;
  if (jsonb) {
    try {
      return jsonbValue(parseJsonb(text));
    } catch (err) {
      if (!(err instanceof JsonbInputError)) throw err;
      throw new HttpError(400, `the body is not JSON: ${err.message} (${err.detail})`);
    }
  }
  try {
    // Numbers keep their digits (1.50, 12345678901234567890), as Postgres' jsonb keeps them.
    return stringifyJsonExact(parseJsonExact(text));
  } catch (err) {
    throw new HttpError(400, `the body is not JSON: ${(err as Error).message}`);
  }
}

/** The request's headers as a JSON object, names lower-case, in name order. */
function headersText(req: IncomingMessage): string {
  const out: Record<string, string> = {};
  for (const name of Object.keys(req.headers).sort()) {
    const v = req.headers[name];
    out[name] = Array.isArray(v) ? v.join(', ') : (v ?? '');
  }
  return JSON.stringify(out);
}
