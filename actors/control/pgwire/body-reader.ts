/**
 * Reads the fields of a frontend message body (int16, int32, NUL-terminated strings, byte runs);
 * reading past the end, or a string without its NUL, is a ProtocolError (08P01).
 */
import { ProtocolError } from './protocol-error.js';

export class BodyReader {
  private pos = 0;
  constructor(private readonly body: Buffer, private readonly what: string) {}

  get remaining(): number {
    return this.body.length - this.pos;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.body.length) throw new ProtocolError(`${this.what} message is truncated`);
  }

  byte(): number {
    this.need(1);
    return this.body[this.pos++]!;
  }

  int16(): number {
    this.need(2);
    const v = this.body.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.body.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  cstring(): string {
    const end = this.body.indexOf(0, this.pos);
    if (end < 0) throw new ProtocolError(`${this.what} message has a string without its terminator`);
    const s = this.body.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.body.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** Fails when bytes are left over (a message longer than its fields). */
  end(): void {
    if (this.pos !== this.body.length) throw new ProtocolError(`${this.what} message has ${this.body.length - this.pos} unexpected trailing bytes`);
  }
}
