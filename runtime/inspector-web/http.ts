/**
 * HTTP plumbing of the inspector server: security headers, JSON replies, typed error replies,
 * bounded JSON body reading, and the request guard (loopback Host header, same-origin writes) that
 * keeps other web sites open in the same browser from driving the inspector.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, HttpErrorCode } from './errors.js';

/** Nothing is loaded from anywhere but this server; no inline script; no framing. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Sends a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(data), ...headers });
  res.end(data);
}

/** Sends a typed error (closing the connection when the request body was not read to its end). */
export function sendError(res: ServerResponse, err: HttpError, closeConnection = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, err.body(), { ...err.headers, ...(closeConnection ? { Connection: 'close' } : {}) });
}

/**
 * Refuses requests whose Host header is not a loopback name (DNS rebinding) and writes whose
 * Origin is another site (cross-site request forgery).
 */
export function guard(req: IncomingMessage): void {
  const host = req.headers.host ?? '';
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  if (!LOOPBACK_NAMES.has(name)) {
    throw new HttpError(403, HttpErrorCode.Forbidden, `the inspector answers only to loopback host names (got Host: ${JSON.stringify(host)})`);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      let originHost = '';
      try {
        originHost = new URL(origin).host;
      } catch {
        // unparsable origin: refused below
      }
      if (originHost !== host) throw new HttpError(403, HttpErrorCode.Forbidden, `cross-origin request from ${origin} refused`);
    } else if (origin === 'null' || req.headers['sec-fetch-site'] === 'cross-site') {
      throw new HttpError(403, HttpErrorCode.Forbidden, 'cross-site request refused');
    }
  }
}

/** Reads a JSON body of at most `maxBytes`; 415, 413 and 400 errors say what was wrong. */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, HttpErrorCode.UnsupportedMediaType, `the body must be application/json (got ${type ? JSON.stringify(type) : 'no Content-Type'})`);
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (failed) {
        // Keep reading (and dropping) so the client gets the error reply; give up past a bound.
        if (size > DISCARD_LIMIT) req.destroy();
        return;
      }
      if (size > maxBytes) {
        failed = true;
        reject(tooLarge(size, maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => {
      if (!failed) reject(new HttpError(400, HttpErrorCode.MalformedJson, `the body could not be read: ${err.message}`));
      failed = true;
    });
  });
  if (text.trim() === '') throw new HttpError(400, HttpErrorCode.MalformedJson, 'the body is empty; send a JSON object');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, HttpErrorCode.MalformedJson, `the body is not valid JSON: ${(err as Error).message}`);
  }
}

/** How much of an oversized or refused body is read and dropped before the connection is cut. */
const DISCARD_LIMIT = 8 * 1024 * 1024;

function tooLarge(size: number, limit: number): HttpError {
  return new HttpError(413, HttpErrorCode.PayloadTooLarge, `the body is larger than ${limit} bytes`, { size, limit });
}

/** Discards what is left of a request body (bounded), so the error reply can be read by the client. */
export function discardBody(req: IncomingMessage, maxBytes = DISCARD_LIMIT): void {
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > maxBytes) req.destroy();
  });
  req.on('error', () => undefined);
  req.resume();
}
