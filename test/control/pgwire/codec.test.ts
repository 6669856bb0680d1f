/**
 * The pgwire message codec against an independent implementation: node-postgres' client-side
 * `pg-protocol` encodes the frontend messages we decode and decodes the backend messages we
 * encode; byte-exact fixtures pin the framing; bad frames are ProtocolErrors (08P01).
 */
import { createRequire } from 'node:module';
import { FrameReader, MAX_MESSAGE_BYTES, type Frame } from '../../../actors/control/pgwire/frames.js';
import { decodeFrontend, decodeStartup } from '../../../actors/control/pgwire/frontend.js';
import * as be from '../../../actors/control/pgwire/backend.js';
import { ProtocolError } from '../../../actors/control/pgwire/protocol-error.js';
import { binaryValue, textValue } from '../../../actors/control/pgwire/pg-types.js';

const require = createRequire(import.meta.url);
const { serialize } = require('pg-protocol') as typeof import('pg-protocol');
const { Parser } = require('pg-protocol/dist/parser.js') as typeof import('pg-protocol/dist/parser.js');

function frames(bytes: Buffer, startup = false, chunk = bytes.length): Frame[] {
  const r = new FrameReader();
  r.expectStartup = startup;
  const out: Frame[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    r.push(bytes.subarray(i, i + chunk));
    for (let f = r.next(); f; f = r.next()) out.push(f);
  }
  expect(r.buffered).toBe(0);
  return out;
}

function backend(buf: Buffer): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  new Parser().parse(buf, (m) => {
    const x = m as unknown as Record<string, unknown>;
    out.push({ ...x, ...(m instanceof Error ? { message: m.message } : {}) });
  });
  return out;
}

test('StartupMessage: byte-exact fixture and pg-protocol encoding decode to the same parameters', () => {
  const fixture = Buffer.concat([
    Buffer.from([0, 0, 0, 47, 0, 3, 0, 0]),
    Buffer.from('user\0materialize\0database\0materialize\0\0', 'latin1'),
  ]);
  const [f] = frames(fixture, true, 1);
  expect(decodeStartup(f!)).toEqual({ type: 'Startup', params: { user: 'materialize', database: 'materialize' } });
  // node-postgres adds client_encoding.
  const [g] = frames(serialize.startup({ user: 'materialize', database: 'materialize' }), true, 3);
  expect(decodeStartup(g!)).toEqual({ type: 'Startup', params: { user: 'materialize', database: 'materialize', client_encoding: 'UTF8' } });
  expect(decodeStartup(frames(serialize.requestSsl(), true)[0]!)).toEqual({ type: 'SSLRequest' });
  expect(decodeStartup(frames(serialize.cancel(7, 12345), true)[0]!)).toEqual({ type: 'CancelRequest', pid: 7, secret: 12345 });
});

test('frontend messages from pg-protocol decode field by field, split at every byte', () => {
  const bytes = Buffer.concat([
    serialize.query('SELECT 1; SELECT 2'),
    serialize.parse({ name: 's1', text: 'SELECT $1, $2', types: [23, 0] }),
    serialize.bind({ portal: 'p', statement: 's1', values: ['42', null, Buffer.from([0, 0, 0, 7])] }),
    serialize.describe({ type: 'P', name: 'p' }),
    serialize.execute({ portal: 'p', rows: 10 }),
    serialize.close({ type: 'S', name: 's1' }),
    serialize.flush(),
    serialize.sync(),
    serialize.end(),
  ]);
  const msgs = frames(bytes, false, 1).map(decodeFrontend);
  expect(msgs).toEqual([
    { type: 'Query', sql: 'SELECT 1; SELECT 2' },
    { type: 'Parse', name: 's1', sql: 'SELECT $1, $2', paramTypes: [23, 0] },
    {
      type: 'Bind', portal: 'p', statement: 's1', paramFormats: [0, 0, 1],
      params: [Buffer.from('42'), null, Buffer.from([0, 0, 0, 7])], resultFormats: [0],
    },
    { type: 'Describe', kind: 'P', name: 'p' },
    { type: 'Execute', portal: 'p', maxRows: 10 },
    { type: 'Close', kind: 'S', name: 's1' },
    { type: 'Flush' },
    { type: 'Sync' },
    { type: 'Terminate' },
  ]);
});

test('backend messages: byte-exact fixtures', () => {
  expect(be.readyForQuery('I')).toEqual(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]));
  expect(be.commandComplete('SELECT 1')).toEqual(Buffer.concat([Buffer.from([0x43, 0, 0, 0, 13]), Buffer.from('SELECT 1\0')]));
  expect(be.authenticationOk()).toEqual(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]));
  expect(be.dataRow([Buffer.from('ab'), null])).toEqual(Buffer.from([0x44, 0, 0, 0, 16, 0, 2, 0, 0, 0, 2, 0x61, 0x62, 0xff, 0xff, 0xff, 0xff]));
  expect(be.emptyQueryResponse()).toEqual(Buffer.from([0x49, 0, 0, 0, 4]));
  expect(be.sslRefused()).toEqual(Buffer.from('N'));
});

test('backend messages decode with pg-protocol to what was meant', () => {
  const buf = Buffer.concat([
    be.authenticationOk(),
    be.parameterStatus('server_version', '15.0 (definite 0.1.0)'),
    be.backendKeyData(3, 987654),
    be.readyForQuery('I'),
    be.rowDescription([
      { name: 'id', typeOid: 23, typeSize: 4, format: 0 },
      { name: 'name', typeOid: 25, typeSize: -1, format: 1 },
    ]),
    be.dataRow([Buffer.from('1'), null]),
    be.commandComplete('SELECT 1'),
    be.errorResponse({ severity: 'ERROR', code: '42P01', message: 'unknown catalog item "nope"', hint: 'h', position: 15 }),
    be.noticeResponse({ severity: 'NOTICE', code: '00000', message: 'n' }),
    be.parseComplete(),
    be.bindComplete(),
    be.parameterDescription([23, 25]),
    be.noData(),
    be.portalSuspended(),
    be.closeComplete(),
    be.emptyQueryResponse(),
  ]);
  const m = backend(buf);
  expect(m.map((x) => x['name'])).toEqual([
    'authenticationOk', 'parameterStatus', 'backendKeyData', 'readyForQuery', 'rowDescription', 'dataRow', 'commandComplete',
    'error', 'notice', 'parseComplete', 'bindComplete', 'parameterDescription', 'noData', 'portalSuspended', 'closeComplete', 'emptyQuery',
  ]);
  expect(m[1]).toMatchObject({ parameterName: 'server_version', parameterValue: '15.0 (definite 0.1.0)' });
  expect(m[2]).toMatchObject({ processID: 3, secretKey: 987654 });
  expect(m[3]).toMatchObject({ status: 'I' });
  const fields = (m[4]!['fields'] as Array<Record<string, unknown>>).map((f) => [f['name'], f['dataTypeID'], f['dataTypeSize'], f['format']]);
  expect(fields).toEqual([['id', 23, 4, 'text'], ['name', 25, -1, 'binary']]);
  expect(m[5]!['fields']).toEqual(['1', null]);
  expect(m[6]).toMatchObject({ text: 'SELECT 1' });
  expect(m[7]).toMatchObject({ severity: 'ERROR', code: '42P01', message: 'unknown catalog item "nope"', hint: 'h', position: '15' });
  expect(m[11]).toMatchObject({ parameterCount: 2, dataTypeIDs: [23, 25] });
});

test('bad frames are ProtocolErrors (08P01): too short, oversized (before its body arrives), unknown type, truncated, trailing bytes', () => {
  const header = (type: string, length: number) => {
    const b = Buffer.alloc(5);
    b.write(type, 0, 'latin1');
    b.writeInt32BE(length, 1);
    return b;
  };
  const err = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(ProtocolError);
      return (e as ProtocolError);
    }
    throw new Error('expected a ProtocolError');
  };
  const r = new FrameReader();
  r.expectStartup = false;
  r.push(header('Q', 3));
  expect(err(() => r.next()).sqlstate).toBe('08P01');
  const big = new FrameReader();
  big.expectStartup = false;
  big.push(header('Q', MAX_MESSAGE_BYTES + 1));
  expect(err(() => big.next()).message).toMatch(/exceeds the limit of 67108864 bytes/);
  const exactly = new FrameReader();
  exactly.expectStartup = false;
  exactly.push(header('Q', MAX_MESSAGE_BYTES));
  expect(exactly.next()).toBeUndefined(); // at the limit: waits for the body
  expect(err(() => decodeFrontend({ type: 'z', body: Buffer.alloc(0) })).message).toMatch(/unknown frontend message type 'z'/);
  expect(err(() => decodeFrontend({ type: 'Q', body: Buffer.from('no terminator') })).sqlstate).toBe('08P01');
  const bind = serialize.bind({ values: ['1'] });
  expect(err(() => decodeFrontend({ type: 'B', body: bind.subarray(5, bind.length - 4) })).message).toMatch(/truncated/);
  expect(err(() => decodeFrontend({ type: 'S', body: Buffer.from([1]) })).message).toMatch(/trailing/);
  const start = new FrameReader();
  start.push(Buffer.from([0, 0, 0, 2]));
  expect(err(() => start.next()).sqlstate).toBe('08P01');
  expect(err(() => decodeStartup({ type: '', body: Buffer.from([0, 2, 0, 0]) })).sqlstate).toBe('0A000');
});

test('binary values decode with node-postgres\' binary parsers (pg-types)', () => {
  const types = require('pg-types') as { getTypeParser(oid: number, format: 'binary'): (b: Buffer) => unknown };
  const ts = Date.UTC(2024, 0, 2, 3, 4, 5, 250);
  expect((types.getTypeParser(1114, 'binary')(binaryValue(ts, 'timestamp')!) as Date).getTime()).toBe(ts);
  expect(types.getTypeParser(23, 'binary')(binaryValue(-7, 'int')!)).toBe(-7);
  expect(types.getTypeParser(701, 'binary')(binaryValue(2.5, 'float')!)).toBe(2.5);
  expect(types.getTypeParser(16, 'binary')(binaryValue(true, 'bool')!)).toBe(true);
  expect(textValue(ts, 'timestamp')!.toString()).toBe('2024-01-02 03:04:05.25');
  expect(textValue(false, 'bool')!.toString()).toBe('f');
  expect(textValue(1e21, 'numeric')!.toString()).toBe('1000000000000000000000');
  expect(textValue(1e-7, 'numeric')!.toString()).toBe('0.0000001');
  expect(textValue(1.25, 'numeric')!.toString()).toBe('1.25');
  expect(textValue(1e21, 'float')!.toString()).toBe('1e+21');
  expect(() => binaryValue(2 ** 40, 'int')).toThrow(/out of range/);
});
