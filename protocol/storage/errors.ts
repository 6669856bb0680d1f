/**
 * STORAGE errors, rebuilt on the receiving side by code (protocol/errors.ts):
 * - `UpperMismatch`: a compare-and-append whose `expectedUpper` is not the collection's upper;
 *   `details.currentUpper` holds the upper. Nothing was written.
 * - `SinceViolation`: a read (Snapshot, Subscribe) below the collection's `since`;
 *   `details.since` holds it. Nothing was read.
 * - `NotReady`: a Snapshot at a time not yet sealed (`asOf >= upper`) without `wait`;
 *   `details.upper` holds the upper.
 * - `InvalidBatch`: an append whose updates do not fit the schema or `[expectedUpper, newUpper)`.
 * - `UnknownCollection`: no collection of that id exists (or it was dropped).
 * - `Fenced`: this process's copy of a shard was superseded (the JetStream backend: another process
 *   wrote the shard's state since this one read it, by compare-and-set on its revision). Nothing
 *   was written, and this process writes nothing more to that shard; retry on its new owner.
 */
import { DefiniteError, registerError, type Determinacy } from '../errors.js';

export const StorageErrorCode = {
  UpperMismatch: 'UpperMismatch',
  SinceViolation: 'SinceViolation',
  NotReady: 'NotReady',
  InvalidBatch: 'InvalidBatch',
  UnknownCollection: 'UnknownCollection',
  Fenced: 'Fenced',
} as const;
export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

type Options = { determinacy?: Determinacy; details?: Record<string, unknown> };

function defineStorageError(code: StorageErrorCode) {
  const cls = class extends DefiniteError {
    override readonly name: string = `${code}Error`;
    constructor(message: string, options: Options = {}) {
      super(code, message, options);
    }
  };
  registerError(code, (message, options) => new cls(message, options));
  return cls;
}

export const UpperMismatchError = defineStorageError(StorageErrorCode.UpperMismatch);
export const SinceViolationError = defineStorageError(StorageErrorCode.SinceViolation);
export const NotReadyError = defineStorageError(StorageErrorCode.NotReady);
export const InvalidBatchError = defineStorageError(StorageErrorCode.InvalidBatch);
export const UnknownCollectionError = defineStorageError(StorageErrorCode.UnknownCollection);
export const FencedError = defineStorageError(StorageErrorCode.Fenced);

/** A compare-and-append lost: the collection's upper is `currentUpper`. */
export function upperMismatch(collection: string, expected: number, currentUpper: number): DefiniteError {
  return new UpperMismatchError(`collection ${collection}: expected upper ${expected}, but its upper is ${currentUpper}`, {
    details: { currentUpper, expectedUpper: expected },
  });
}
