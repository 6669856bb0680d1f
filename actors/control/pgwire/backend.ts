/**
 * Encodes backend (server-to-client) messages of protocol 3.0: the SSLRequest answer,
 * authentication (Ok, CleartextPassword, SASL, SASLContinue, SASLFinal), ParameterStatus,
 * BackendKeyData, ReadyForQuery, RowDescription, DataRow, CommandComplete, EmptyQueryResponse,
 * ErrorResponse / NoticeResponse, and the extended protocol's ParseComplete, BindComplete,
 * CloseComplete, ParameterDescription, NoData and PortalSuspended. Each returns one Buffer.
 */

export type TransactionStatus = 'I' | 'T' | 'E';

export interface FieldDescription {
  name: string;
  tableOid?: number;
  columnId?: number;
  typeOid: number;
  typeSize: number;
  typeModifier?: number;
  format: 0 | 1;
}

/** The fields of an ErrorResponse / NoticeResponse. */
export interface ErrorFields {
  severity: 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  /** 1-based character position in the query text. */
  position?: number;
}

function message(type: string, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out.write(type, 0, 'latin1');
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

function cstr(s: string): Buffer {
  return Buffer.from(`${s}\0`, 'utf8');
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}

function int16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(n, 0);
  return b;
}

const EMPTY = Buffer.alloc(0);

export const authenticationOk = (): Buffer => message('R', int32(0));
export const sslRefused = (): Buffer => Buffer.from('N', 'latin1');
export const sslAccepted = (): Buffer => Buffer.from('S', 'latin1');
export const authenticationCleartextPassword = (): Buffer => message('R', int32(3));
/** AuthenticationSASL: the mechanisms offered, each a C string, then an empty one. */
export const authenticationSASL = (mechanisms: string[]): Buffer => message('R', Buffer.concat([int32(10), ...mechanisms.map(cstr), cstr('')]));
export const authenticationSASLContinue = (data: string): Buffer => message('R', Buffer.concat([int32(11), Buffer.from(data, 'utf8')]));
export const authenticationSASLFinal = (data: string): Buffer => message('R', Buffer.concat([int32(12), Buffer.from(data, 'utf8')]));
export const parameterStatus = (name: string, value: string): Buffer => message('S', Buffer.concat([cstr(name), cstr(value)]));
export const backendKeyData = (pid: number, secret: number): Buffer => message('K', Buffer.concat([int32(pid), int32(secret)]));
export const readyForQuery = (status: TransactionStatus): Buffer => message('Z', Buffer.from(status, 'latin1'));
export const commandComplete = (tag: string): Buffer => message('C', cstr(tag));
export const emptyQueryResponse = (): Buffer => message('I', EMPTY);
export const parseComplete = (): Buffer => message('1', EMPTY);
export const bindComplete = (): Buffer => message('2', EMPTY);
export const closeComplete = (): Buffer => message('3', EMPTY);
export const noData = (): Buffer => message('n', EMPTY);
export const portalSuspended = (): Buffer => message('s', EMPTY);
export const parameterDescription = (oids: number[]): Buffer => message('t', Buffer.concat([int16(oids.length), ...oids.map((o) => int32(o | 0))]));

export function rowDescription(fields: FieldDescription[]): Buffer {
  const parts: Buffer[] = [int16(fields.length)];
  for (const f of fields) {
    const b = Buffer.allocUnsafe(18);
    b.writeInt32BE(f.tableOid ?? 0, 0);
    b.writeInt16BE(f.columnId ?? 0, 4);
    b.writeInt32BE(f.typeOid | 0, 6);
    b.writeInt16BE(f.typeSize, 10);
    b.writeInt32BE(f.typeModifier ?? -1, 12);
    b.writeInt16BE(f.format, 16);
    parts.push(cstr(f.name), b);
  }
  return message('T', Buffer.concat(parts));
}

/** A DataRow: each value already encoded (text or binary), null for SQL NULL. */
export function dataRow(values: Array<Buffer | null>): Buffer {
  let size = 2;
  for (const v of values) size += 4 + (v ? v.length : 0);
  const out = Buffer.allocUnsafe(5 + size);
  out.write('D', 0, 'latin1');
  out.writeInt32BE(4 + size, 1);
  out.writeInt16BE(values.length, 5);
  let pos = 7;
  for (const v of values) {
    if (v === null) {
      out.writeInt32BE(-1, pos);
      pos += 4;
    } else {
      out.writeInt32BE(v.length, pos);
      v.copy(out, pos + 4);
      pos += 4 + v.length;
    }
  }
  return out;
}

function fieldsBody(f: ErrorFields): Buffer {
  const parts: Buffer[] = [];
  const field = (code: string, value: string | undefined) => {
    if (value !== undefined) parts.push(Buffer.from(code, 'latin1'), cstr(value));
  };
  field('S', f.severity);
  field('V', f.severity);
  field('C', f.code);
  field('M', f.message);
  field('D', f.detail);
  field('H', f.hint);
  field('P', f.position !== undefined ? String(f.position) : undefined);
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export const errorResponse = (f: ErrorFields): Buffer => message('E', fieldsBody(f));
export const noticeResponse = (f: ErrorFields): Buffer => message('N', fieldsBody(f));
