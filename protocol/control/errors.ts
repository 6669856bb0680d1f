/**
 * CONTROL errors. Every failure of a SQL statement or typed command is a `SqlError` carrying a
 * Postgres SQLSTATE (so drivers and people can act on it) and, where known, the 1-based character
 * position in the statement. The wire code is `SqlError`; `details.sqlstate` holds the SQLSTATE.
 */
import { DefiniteError, registerError, type Determinacy } from '../errors.js';

/** SQLSTATE codes definite uses (Postgres's meanings). */
export const SqlState = {
  SyntaxError: '42601',
  UndefinedTable: '42P01',
  UndefinedColumn: '42703',
  UndefinedObject: '42704',
  DuplicateObject: '42710',
  DuplicateTable: '42P07',
  DuplicateColumn: '42701',
  AmbiguousColumn: '42702',
  DatatypeMismatch: '42804',
  UndefinedFunction: '42883',
  GroupingError: '42803',
  InvalidParameterValue: '22023',
  DivisionByZero: '22012',
  NumericValueOutOfRange: '22003',
  NotNullViolation: '23502',
  FeatureNotSupported: '0A000',
  InvalidTransactionState: '25000',
  ProgramLimitExceeded: '54000',
  InvalidSessionId: '08003',
  ObjectInUse: '55006',
  QueryCanceled: '57014',
  InternalError: 'XX000',
  SnapshotTooOld: '72000',
  InsufficientPrivilege: '42501',
  WrongObjectType: '42809',
} as const;
export type SqlState = (typeof SqlState)[keyof typeof SqlState];

export class SqlError extends DefiniteError {
  override readonly name = 'SqlError';
  get sqlstate(): string {
    return String(this.details['sqlstate'] ?? SqlState.InternalError);
  }
  constructor(sqlstate: string, message: string, options: { position?: number; hint?: string; determinacy?: Determinacy } = {}) {
    super('SqlError', message, {
      determinacy: options.determinacy ?? 'definite',
      details: {
        sqlstate,
        ...(options.position !== undefined ? { position: options.position } : {}),
        ...(options.hint !== undefined ? { hint: options.hint } : {}),
      },
    });
  }
}

registerError('SqlError', (message, options) => {
  const d = options.details ?? {};
  return new SqlError(String(d['sqlstate'] ?? SqlState.InternalError), message, {
    ...(typeof d['position'] === 'number' ? { position: d['position'] } : {}),
    ...(typeof d['hint'] === 'string' ? { hint: d['hint'] } : {}),
    ...(options.determinacy ? { determinacy: options.determinacy } : {}),
  });
});
