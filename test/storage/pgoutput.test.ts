/**
 * The pgoutput decoder and the text value mapping on bytes captured from a real PostgreSQL 15
 * (pg_logical_slot_peek_binary_changes with proto_version 1 on a table with REPLICA IDENTITY
 * FULL: a two-row INSERT transaction, an UPDATE, a DELETE, a TRUNCATE), and the replication
 * stream's framing (XLogData, keepalive, Standby Status Update) on hand-built bytes.
 */
import { decodeCopyData, decodePgOutput, formatLsn, parseLsn, standbyStatusUpdate } from '../../actors/storage/sources/pg/pgoutput.js';
import { pgColumnType, pgTextValue } from '../../protocol/storage/pg-types.js';

const hex = (s: string) => Buffer.from(s, 'hex');

// CREATE TABLE t (id int PRIMARY KEY, name text, amount numeric, at timestamptz, d date, big bigint, ok bool, f float8)
const CAPTURED = {
  begin: '42000000000194848800030509626bfb9f000002d8',
  relation:
    '52000040017075626c69630074006600080169640000000017ffffffff016e616d650000000019ffffffff01616d6f756e7400000006a4ffffffff01617400000004a0ffffffff0164000000043affffffff016269670000000014ffffffff016f6b0000000010ffffffff016600000002bdffffffff',
  insert1:
    '49000040014e000874000000013174000000036f6e657400000003312e35740000001a323032342d30312d30322030333a30343a30352e3637382b3030740000000a323032342d30312d30327400000010393030373139393235343734303939317400000001747400000004302e3235',
  insert2: '49000040014e00087400000001326e6e6e6e6e6e6e',
  commit: '4300000000000194848800000000019484b800030509626bfb9f',
  update:
    '55000040014f000874000000013174000000036f6e657400000003312e35740000001a323032342d30312d30322030333a30343a30352e3637382b3030740000000a323032342d30312d30327400000010393030373139393235343734303939317400000001747400000004302e32354e00087400000001317400000003756e6f7400000003312e35740000001a323032342d30312d30322030333a30343a30352e3637382b3030740000000a323032342d30312d30327400000010393030373139393235343734303939317400000001747400000004302e3235',
  delete: '44000040014f00087400000001326e6e6e6e6e6e6e',
  truncate: '54000000010000004001',
};

describe('pgoutput decoder (bytes from PostgreSQL 15)', () => {
  test('Begin and Commit: LSNs, xid', () => {
    const b = decodePgOutput(hex(CAPTURED.begin));
    expect(b).toMatchObject({ tag: 'begin', finalLsn: parseLsn('0/1948488'), xid: 728 });
    const c = decodePgOutput(hex(CAPTURED.commit));
    expect(c).toMatchObject({ tag: 'commit', flags: 0, commitLsn: parseLsn('0/1948488'), endLsn: parseLsn('0/19484B8') });
    expect(c.tag === 'commit' && b.tag === 'begin' && c.commitTime === b.commitTime).toBe(true);
  });

  test('Relation: namespace, name, replica identity, columns with type oids', () => {
    const r = decodePgOutput(hex(CAPTURED.relation));
    expect(r).toEqual({
      tag: 'relation', oid: 16385, schema: 'public', name: 't', replicaIdentity: 'f',
      columns: [
        { name: 'id', typeOid: 23, typeMod: -1, key: true },
        { name: 'name', typeOid: 25, typeMod: -1, key: true },
        { name: 'amount', typeOid: 1700, typeMod: -1, key: true },
        { name: 'at', typeOid: 1184, typeMod: -1, key: true },
        { name: 'd', typeOid: 1082, typeMod: -1, key: true },
        { name: 'big', typeOid: 20, typeMod: -1, key: true },
        { name: 'ok', typeOid: 16, typeMod: -1, key: true },
        { name: 'f', typeOid: 701, typeMod: -1, key: true },
      ],
    });
  });

  test('Insert, Update with the old row, Delete with the old row, Truncate', () => {
    expect(decodePgOutput(hex(CAPTURED.insert1))).toEqual({ tag: 'insert', oid: 16385, row: ['1', 'one', '1.5', '2024-01-02 03:04:05.678+00', '2024-01-02', '9007199254740991', 't', '0.25'] });
    expect(decodePgOutput(hex(CAPTURED.insert2))).toEqual({ tag: 'insert', oid: 16385, row: ['2', null, null, null, null, null, null, null] });
    const u = decodePgOutput(hex(CAPTURED.update));
    expect(u).toMatchObject({ tag: 'update', oid: 16385, old: { kind: 'old', row: ['1', 'one', '1.5', '2024-01-02 03:04:05.678+00', '2024-01-02', '9007199254740991', 't', '0.25'] } });
    expect(u.tag === 'update' && u.row[1]).toBe('uno');
    expect(decodePgOutput(hex(CAPTURED.delete))).toEqual({ tag: 'delete', oid: 16385, old: { kind: 'old', row: ['2', null, null, null, null, null, null, null] } });
    expect(decodePgOutput(hex(CAPTURED.truncate))).toEqual({ tag: 'truncate', options: 0, oids: [16385] });
  });

  test('a message cut short or of an unknown kind throws', () => {
    expect(() => decodePgOutput(hex(CAPTURED.insert1).subarray(0, 20))).toThrow(/cut short/);
    expect(() => decodePgOutput(hex('5a00'))).toThrow(/unknown message 'Z'/);
    expect(() => decodePgOutput(hex('49000040014e0001780000'))).toThrow(/unknown tuple column kind 'x'/);
  });

  test('the values of the captured row, as definite holds them', () => {
    const oids = [23, 25, 1700, 1184, 1082, 20, 16, 701];
    const row = ['1', 'one', '1.5', '2024-01-02 03:04:05.678+00', '2024-01-02', '9007199254740991', 't', '0.25'].map((v, i) => pgTextValue(oids[i]!, v));
    expect(row).toEqual([1, 'one', 1.5, Date.UTC(2024, 0, 2, 3, 4, 5, 678), Date.UTC(2024, 0, 2) / 86_400_000, 9007199254740991, true, 0.25]);
    expect(pgTextValue(1114, '1999-12-31 23:59:59')).toBe(Date.UTC(1999, 11, 31, 23, 59, 59));
    expect(pgTextValue(1184, '2024-01-02 03:04:05+05:30')).toBe(Date.UTC(2024, 0, 1, 21, 34, 5));
    expect(pgTextValue(17, '\\x0a0b')).toBe('\\x0a0b');
    expect(pgTextValue(20, '9007199254740993')).toBe('\u00009007199254740993'); // exact past 2^53 (issue #18)
    expect(pgTextValue(20, '-9223372036854775808')).toBe('\u0000-9223372036854775808');
    expect(() => pgTextValue(21, '32768')).toThrow(/not a smallint/);
    expect(() => pgTextValue(701, 'NaN')).toThrow(/finite/);
    expect(() => pgTextValue(16, 'maybe')).toThrow(/not a boolean/);
    // numeric: exact, at the scale Postgres printed (issue #18).
    expect(pgTextValue(1700, '1.50')).toBe('\u00001.50');
    expect(pgTextValue(1700, '12345678901234567890.123')).toBe('\u000012345678901234567890.123');
    expect(pgTextValue(1700, '-0.001')).toBe(-0.001);
    expect(() => pgTextValue(1700, 'NaN')).toThrow(/finite/);
    expect(() => pgTextValue(1700, 'Infinity')).toThrow(/finite/);
    expect(pgColumnType(1186)).toBe('interval');
    expect(pgColumnType(3904)).toBeUndefined(); // int4range: not mapped
    expect(pgTextValue(1007, '{1,NULL,-3}')).toEqual([1, null, -3]);
    expect(() => pgTextValue(1007, '{{1},{2}}')).toThrow(/one-dimensional/);
  });
});

describe('replication stream framing', () => {
  test('XLogData and keepalive', () => {
    const x = Buffer.concat([hex('77'), hex('0000000001948488'), hex('00000000019484b8'), hex('0003050962'), hex('6bfb9f'), hex(CAPTURED.insert2)]);
    const m = decodeCopyData(x);
    expect(m).toMatchObject({ tag: 'xlog', startLsn: parseLsn('0/1948488'), walEnd: parseLsn('0/19484B8') });
    expect(m.tag === 'xlog' && decodePgOutput(m.payload).tag).toBe('insert');
    const k = decodeCopyData(Buffer.concat([hex('6b'), hex('0000001600000010'), hex('0000000000000000'), hex('01')]));
    expect(k).toEqual({ tag: 'keepalive', walEnd: 0x16 * 2 ** 32 + 0x10, sendTime: 0n, replyRequested: true });
  });

  test('Standby Status Update carries the LSN three times and the clock in µs since 2000', () => {
    const b = standbyStatusUpdate(parseLsn('16/B374D848'), 946_684_800_000 + 1500);
    expect(b.length).toBe(34);
    expect(b.toString('latin1', 0, 1)).toBe('r');
    for (const at of [1, 9, 17]) expect(formatLsn(Number(b.readBigUInt64BE(at)))).toBe('16/B374D848');
    expect(b.readBigInt64BE(25)).toBe(1_500_000n);
    expect(b[33]).toBe(0);
  });

  test('LSN text forms round-trip', () => {
    for (const s of ['0/0', '0/1948488', '16/B374D848', 'FFFF/FFFFFFFF']) expect(formatLsn(parseLsn(s))).toBe(s);
    expect(() => parseLsn('nope')).toThrow();
  });
});
