/**
 * Decodes frontend (client-to-server) messages of protocol 3.0 from their frames: the untyped
 * start-up messages (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest) and Query, Parse,
 * Bind, Describe, Execute, Close, Sync, Flush, Terminate. Anything else is a ProtocolError.
 */
import { BodyReader } from './body-reader.js';
import type { Frame } from './frames.js';
import { ProtocolError } from './protocol-error.js';

export const PROTOCOL_3_0 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

export type StartupPacket =
  | { type: 'Startup'; params: Record<string, string> }
  | { type: 'SSLRequest' }
  | { type: 'GSSENCRequest' }
  | { type: 'CancelRequest'; pid: number; secret: number };

export type FrontendMessage =
  | { type: 'Query'; sql: string }
  | { type: 'Parse'; name: string; sql: string; paramTypes: number[] }
  | { type: 'Bind'; portal: string; statement: string; paramFormats: number[]; params: Array<Buffer | null>; resultFormats: number[] }
  | { type: 'Describe'; kind: 'S' | 'P'; name: string }
  | { type: 'Execute'; portal: string; maxRows: number }
  | { type: 'Close'; kind: 'S' | 'P'; name: string }
  | { type: 'Sync' }
  | { type: 'Flush' }
  | { type: 'Terminate' }
  | { type: 'CopyData'; data: Buffer }
  | { type: 'CopyDone' }
  | { type: 'CopyFail'; message: string };

export function decodeStartup(frame: Frame): StartupPacket {
  const r = new BodyReader(frame.body, 'start-up');
  const code = r.int32();
  if (code === SSL_REQUEST) return r.end(), { type: 'SSLRequest' };
  if (code === GSSENC_REQUEST) return r.end(), { type: 'GSSENCRequest' };
  if (code === CANCEL_REQUEST) {
    const pid = r.int32();
    const secret = r.int32();
    r.end();
    return { type: 'CancelRequest', pid, secret };
  }
  if (code !== PROTOCOL_3_0) {
    throw new ProtocolError(`unsupported frontend protocol ${code >>> 16}.${code & 0xffff}: server supports 3.0`, '0A000');
  }
  const params: Record<string, string> = {};
  for (;;) {
    const key = r.cstring();
    if (key === '') break;
    params[key] = r.cstring();
  }
  r.end();
  return { type: 'Startup', params };
}

export function decodeFrontend(frame: Frame): FrontendMessage {
  const r = new BodyReader(frame.body, messageName(frame.type));
  let m: FrontendMessage;
  switch (frame.type) {
    case 'Q':
      m = { type: 'Query', sql: r.cstring() };
      break;
    case 'P': {
      const name = r.cstring();
      const sql = r.cstring();
      const n = r.int16();
      if (n < 0) throw new ProtocolError('Parse message has a negative parameter count');
      const paramTypes: number[] = [];
      for (let i = 0; i < n; i++) paramTypes.push(r.int32() >>> 0);
      m = { type: 'Parse', name, sql, paramTypes };
      break;
    }
    case 'B': {
      const portal = r.cstring();
      const statement = r.cstring();
      const paramFormats = int16s(r, 'parameter format');
      const n = r.int16();
      if (n < 0) throw new ProtocolError('Bind message has a negative parameter count');
      const params: Array<Buffer | null> = [];
      for (let i = 0; i < n; i++) {
        const len = r.int32();
        if (len < -1) throw new ProtocolError(`Bind message has an invalid parameter length ${len}`);
        params.push(len === -1 ? null : r.bytes(len));
      }
      const resultFormats = int16s(r, 'result format');
      m = { type: 'Bind', portal, statement, paramFormats, params, resultFormats };
      break;
    }
    case 'D':
    case 'C': {
      const kind = String.fromCharCode(r.byte());
      if (kind !== 'S' && kind !== 'P') throw new ProtocolError(`invalid ${messageName(frame.type)} kind '${kind}': expected 'S' or 'P'`);
      const name = r.cstring();
      m = frame.type === 'D' ? { type: 'Describe', kind, name } : { type: 'Close', kind, name };
      break;
    }
    case 'E':
      m = { type: 'Execute', portal: r.cstring(), maxRows: r.int32() };
      break;
    case 'S':
      m = { type: 'Sync' };
      break;
    case 'H':
      m = { type: 'Flush' };
      break;
    case 'X':
      m = { type: 'Terminate' };
      break;
    case 'd':
      m = { type: 'CopyData', data: frame.body };
      return m;
    case 'c':
      m = { type: 'CopyDone' };
      break;
    case 'f':
      m = { type: 'CopyFail', message: r.cstring() };
      break;
    default:
      throw new ProtocolError(`unknown frontend message type '${printable(frame.type)}'`);
  }
  r.end();
  return m;
}

function int16s(r: BodyReader, what: string): number[] {
  const n = r.int16();
  if (n < 0) throw new ProtocolError(`negative ${what} count`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = r.int16();
    if (f !== 0 && f !== 1) throw new ProtocolError(`invalid ${what} code ${f}`);
    out.push(f);
  }
  return out;
}

function messageName(type: string): string {
  const names: Record<string, string> = { Q: 'Query', P: 'Parse', B: 'Bind', D: 'Describe', E: 'Execute', C: 'Close', S: 'Sync', H: 'Flush', X: 'Terminate', d: 'CopyData', c: 'CopyDone', f: 'CopyFail' };
  return names[type] ?? 'frontend';
}

function printable(type: string): string {
  const c = type.charCodeAt(0);
  return c >= 32 && c < 127 ? type : `\\x${c.toString(16).padStart(2, '0')}`;
}
