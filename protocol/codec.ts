/**
 * The wire codec: msgpack through msgpackr with `useRecords: false`, so every payload is plain,
 * self-describing msgpack that any language's msgpack library can read. This file owns encoding
 * and decoding only; validation lives in `validate.ts`. A msgpack int64 / uint64 past ±(2^53 - 1)
 * decodes as a BigInt (`int64AsType: 'auto'`; smaller ones as numbers), never as a rounded double:
 * a client's exact bigint reaches the typed commands and the msgpack sources exactly, and anywhere
 * a BigInt is not expected it is refused (schema or batch validation), not rounded.
 */
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'number' });

/** Encodes a value as msgpack. */
export function encode(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * Decodes msgpack bytes; throws on malformed input (trailing bytes, the never-used 0xc1 byte, a
 * truncated value). Callers wrap the error in MalformedMessage.
 */
export function decode(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  const value = packr.unpack(bytes);
  if (value !== null && typeof value === 'object' && (value as { constructor?: { name?: string } }).constructor?.name === 'C1Type') {
    throw new Error('0xc1 is not a valid msgpack type');
  }
  return value;
}

/**
 * `encode({ ...message, [key]: value })` where the value is given already encoded: its bytes are
 * `parts`, concatenated in order (for a value made of slices of stored bytes, copied once, here).
 * `key` must not be a key of `message`.
 */
export function encodeWithEncodedField(message: Record<string, unknown>, key: string, parts: Uint8Array[]): Uint8Array {
  const base = encode(message);
  const b = base[0]!;
  const view = new DataView(base.buffer, base.byteOffset, base.byteLength);
  const [count, headerSize] = b >= 0x80 && b <= 0x8f ? [b & 0x0f, 1] : b === 0xde ? [view.getUint16(1), 3] : b === 0xdf ? [view.getUint32(1), 5] : [-1, 0];
  if (count < 0) throw new Error('encodeWithEncodedField: the message is not a map');
  const keyBytes = encode(key);
  const size = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(5 + base.length - headerSize + keyBytes.length + size);
  const outView = new DataView(out.buffer);
  let at: number;
  if (count + 1 <= 0x0f) {
    out[0] = 0x80 | (count + 1);
    at = 1;
  } else if (count + 1 <= 0xffff) {
    out[0] = 0xde;
    outView.setUint16(1, count + 1);
    at = 3;
  } else {
    out[0] = 0xdf;
    outView.setUint32(1, count + 1);
    at = 5;
  }
  out.set(base.subarray(headerSize), at);
  at += base.length - headerSize;
  out.set(keyBytes, at);
  at += keyBytes.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.subarray(0, at);
}
