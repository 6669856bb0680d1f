/**
 * pgwire framing: splits the bytes of a client connection into messages. The first message of a
 * connection (StartupMessage, SSLRequest, CancelRequest, GSSENCRequest) has no type byte: an
 * int32 length (counting itself) and a body; every later one is a type byte, an int32 length and
 * a body. A length below the minimum or above MAX_MESSAGE_BYTES (64 MiB) is a ProtocolError as
 * soon as its header arrives, so an oversized message is never buffered.
 */
import { ProtocolError } from './protocol-error.js';

/** The largest message a client may send (type byte excluded, length field included): 64 MiB. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** One message: `type` is '' for the untyped start-up messages. */
export interface Frame {
  type: string;
  body: Buffer;
}

export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** True until the first (untyped) message has been read; set again for a new start-up. */
  expectStartup = true;

  constructor(private readonly maxBytes: number = MAX_MESSAGE_BYTES) {}

  /** Bytes received and not yet returned as frames. */
  get buffered(): number {
    return this.buf.length - this.pos;
  }

  push(chunk: Buffer): void {
    if (this.pos === this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
  }

  /** The next complete frame, or undefined until more bytes come; throws ProtocolError on a bad header. */
  next(): Frame | undefined {
    const header = this.expectStartup ? 4 : 5;
    if (this.buffered < header) return undefined;
    const type = this.expectStartup ? '' : String.fromCharCode(this.buf[this.pos]!);
    const length = this.buf.readInt32BE(this.pos + header - 4);
    const min = this.expectStartup ? 8 : 4;
    if (length < min) throw new ProtocolError(`invalid message length ${length}${type ? ` for message type '${printable(type)}'` : ' in start-up packet'}`);
    if (length > this.maxBytes) throw new ProtocolError(`message of ${length} bytes exceeds the limit of ${this.maxBytes} bytes`);
    const total = header - 4 + length;
    if (this.buffered < total) return undefined;
    const body = this.buf.subarray(this.pos + header, this.pos + total);
    this.pos += total;
    if (this.pos === this.buf.length) {
      this.buf = Buffer.alloc(0);
      this.pos = 0;
    }
    if (this.expectStartup) this.expectStartup = false;
    return { type, body };
  }
}

function printable(type: string): string {
  const c = type.charCodeAt(0);
  return c >= 32 && c < 127 ? type : `\\x${c.toString(16).padStart(2, '0')}`;
}
