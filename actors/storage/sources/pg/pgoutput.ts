/**
 * A decoder for PostgreSQL's logical replication stream: the CopyData payloads of
 * START_REPLICATION (XLogData `w`, primary keepalive `k`) and the pgoutput messages inside
 * XLogData, protocol version 1 (Begin, Commit, Origin, Relation, Type, Insert, Update, Delete,
 * Truncate; a logical decoding Message is returned as such). Formats: PostgreSQL's "Logical
 * Replication Message Formats" and "Streaming Replication Protocol" chapters. LSNs are numbers
 * (exact below 2^53 bytes of WAL). Pure: bytes in, values out; a malformed message throws.
 */

/** One column of a tuple: null, an unchanged TOASTed value (not sent), or its text form. */
export type TupleValue = null | { unchanged: true } | string;

export interface RelationColumn {
  name: string;
  typeOid: number;
  typeMod: number;
  /** Part of the replica identity (the key). */
  key: boolean;
}

export type PgOutputMessage =
  | { tag: 'begin'; finalLsn: number; commitTime: bigint; xid: number }
  | { tag: 'commit'; flags: number; commitLsn: number; endLsn: number; commitTime: bigint }
  | { tag: 'origin'; lsn: number; name: string }
  | { tag: 'relation'; oid: number; schema: string; name: string; replicaIdentity: string; columns: RelationColumn[] }
  | { tag: 'type'; oid: number; schema: string; name: string }
  | { tag: 'insert'; oid: number; row: TupleValue[] }
  | { tag: 'update'; oid: number; old?: { kind: 'key' | 'old'; row: TupleValue[] }; row: TupleValue[] }
  | { tag: 'delete'; oid: number; old: { kind: 'key' | 'old'; row: TupleValue[] } }
  | { tag: 'truncate'; options: number; oids: number[] }
  | { tag: 'message'; transactional: boolean; lsn: number; prefix: string; content: Buffer };

export type CopyDataMessage =
  | { tag: 'xlog'; startLsn: number; walEnd: number; sendTime: bigint; payload: Buffer }
  | { tag: 'keepalive'; walEnd: number; sendTime: bigint; replyRequested: boolean };

/** Text form of an LSN (`16/B374D848`). */
export function formatLsn(lsn: number): string {
  return `${Math.floor(lsn / 2 ** 32).toString(16).toUpperCase()}/${(lsn % 2 ** 32).toString(16).toUpperCase()}`;
}

/** An LSN from its text form. */
export function parseLsn(text: string): number {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!m) throw new Error(`"${text}" is not an LSN`);
  return parseInt(m[1]!, 16) * 2 ** 32 + parseInt(m[2]!, 16);
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Error(`pgoutput: message cut short (${this.buf.length} bytes, needed ${this.pos + n})`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  lsn(): number {
    const hi = this.u32();
    const lo = this.u32();
    return hi * 2 ** 32 + lo;
  }
  /** A NUL-terminated string. */
  cstring(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new Error('pgoutput: unterminated string');
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  rest(): Buffer {
    return this.buf.subarray(this.pos);
  }
  char(): string {
    return String.fromCharCode(this.u8());
  }
}

function tuple(r: Reader): TupleValue[] {
  const n = r.i16();
  const out: TupleValue[] = [];
  for (let i = 0; i < n; i++) {
    const kind = r.char();
    if (kind === 'n') out.push(null);
    else if (kind === 'u') out.push({ unchanged: true });
    else if (kind === 't') out.push(r.bytes(r.i32()).toString('utf8'));
    else throw new Error(`pgoutput: unknown tuple column kind '${kind}'`);
  }
  return out;
}

/** Decodes one CopyData payload of a START_REPLICATION stream. */
export function decodeCopyData(buf: Buffer): CopyDataMessage {
  const r = new Reader(buf);
  const tag = r.char();
  if (tag === 'w') return { tag: 'xlog', startLsn: r.lsn(), walEnd: r.lsn(), sendTime: r.i64(), payload: r.rest() };
  if (tag === 'k') return { tag: 'keepalive', walEnd: r.lsn(), sendTime: r.i64(), replyRequested: r.u8() === 1 };
  throw new Error(`replication stream: unknown CopyData message '${tag}'`);
}

/** Decodes one pgoutput (protocol version 1) message. */
export function decodePgOutput(buf: Buffer): PgOutputMessage {
  const r = new Reader(buf);
  const tag = r.char();
  switch (tag) {
    case 'B':
      return { tag: 'begin', finalLsn: r.lsn(), commitTime: r.i64(), xid: r.u32() };
    case 'C':
      return { tag: 'commit', flags: r.u8(), commitLsn: r.lsn(), endLsn: r.lsn(), commitTime: r.i64() };
    case 'O':
      return { tag: 'origin', lsn: r.lsn(), name: r.cstring() };
    case 'R': {
      const oid = r.u32();
      const schema = r.cstring();
      const name = r.cstring();
      const replicaIdentity = r.char();
      const n = r.i16();
      const columns: RelationColumn[] = [];
      for (let i = 0; i < n; i++) {
        const flags = r.u8();
        columns.push({ name: r.cstring(), typeOid: r.u32(), typeMod: r.i32(), key: (flags & 1) === 1 });
      }
      return { tag: 'relation', oid, schema, name, replicaIdentity, columns };
    }
    case 'Y':
      return { tag: 'type', oid: r.u32(), schema: r.cstring(), name: r.cstring() };
    case 'I': {
      const oid = r.u32();
      const n = r.char();
      if (n !== 'N') throw new Error(`pgoutput: Insert expected 'N', got '${n}'`);
      return { tag: 'insert', oid, row: tuple(r) };
    }
    case 'U': {
      const oid = r.u32();
      let k = r.char();
      let old: { kind: 'key' | 'old'; row: TupleValue[] } | undefined;
      if (k === 'K' || k === 'O') {
        old = { kind: k === 'K' ? 'key' : 'old', row: tuple(r) };
        k = r.char();
      }
      if (k !== 'N') throw new Error(`pgoutput: Update expected 'N', got '${k}'`);
      return { tag: 'update', oid, ...(old ? { old } : {}), row: tuple(r) };
    }
    case 'D': {
      const oid = r.u32();
      const k = r.char();
      if (k !== 'K' && k !== 'O') throw new Error(`pgoutput: Delete expected 'K' or 'O', got '${k}'`);
      return { tag: 'delete', oid, old: { kind: k === 'K' ? 'key' : 'old', row: tuple(r) } };
    }
    case 'T': {
      const n = r.i32();
      const options = r.u8();
      const oids: number[] = [];
      for (let i = 0; i < n; i++) oids.push(r.u32());
      return { tag: 'truncate', options, oids };
    }
    case 'M': {
      const transactional = r.u8() === 1;
      const lsn = r.lsn();
      const prefix = r.cstring();
      const content = r.bytes(r.i32());
      return { tag: 'message', transactional, lsn, prefix, content };
    }
    default:
      throw new Error(`pgoutput: unknown message '${tag}'`);
  }
}

/** A Standby Status Update (`r`): written, flushed and applied LSNs, the client's clock (µs since 2000-01-01). */
export function standbyStatusUpdate(lsn: number, nowMs: number, replyRequested = false): Buffer {
  const b = Buffer.alloc(34);
  b.write('r', 0);
  const hi = Math.floor(lsn / 2 ** 32);
  const lo = lsn % 2 ** 32;
  for (const at of [1, 9, 17]) {
    b.writeUInt32BE(hi, at);
    b.writeUInt32BE(lo, at + 4);
  }
  b.writeBigInt64BE(BigInt(Math.round(nowMs - 946_684_800_000)) * 1000n, 25);
  b.writeUInt8(replyRequested ? 1 : 0, 33);
  return b;
}
