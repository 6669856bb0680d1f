/**
 * The wire codec: msgpack through msgpackr with `useRecords: false`, so every payload is plain,
 * self-describing msgpack that any language's msgpack library can read. This file owns encoding
 * and decoding only; validation lives in `validate.ts`.
 */
import { Packr } from 'msgpackr';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

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
