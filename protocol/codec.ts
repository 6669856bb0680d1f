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

/** Decodes msgpack bytes; throws the decoder's own error on malformed input (callers wrap it). */
export function decode(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  return packr.unpack(bytes);
}
