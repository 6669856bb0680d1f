/**
 * Errors as ErrorResponse fields: a SqlError keeps its SQLSTATE, hint and position; a
 * ProtocolError is 08P01 (FATAL: the connection closes); any other DefiniteError carries its
 * details' SQLSTATE, 57P03 when the coordinator is unreachable (Unavailable, NoResponders: a
 * front-end process's request while it restarts), else XX000.
 */
import { DefiniteError } from '../../../protocol/errors.js';
import type { ErrorFields } from './backend.js';
import { ProtocolError } from './protocol-error.js';

export function errorFields(err: unknown, severity: ErrorFields['severity'] = 'ERROR'): ErrorFields {
  if (err instanceof ProtocolError) return { severity: 'FATAL', code: err.sqlstate, message: err.message };
  if (err instanceof DefiniteError) {
    const d = err.details;
    const code = typeof d['sqlstate'] === 'string' ? d['sqlstate'] : err.code === 'Unavailable' || err.code === 'NoResponders' ? '57P03' : 'XX000';
    return {
      severity,
      code,
      message: err.message,
      ...(typeof d['detail'] === 'string' ? { detail: d['detail'] } : {}),
      ...(typeof d['hint'] === 'string' ? { hint: d['hint'] } : {}),
      ...(typeof d['position'] === 'number' ? { position: d['position'] } : {}),
    };
  }
  return { severity, code: 'XX000', message: (err as Error)?.message ?? String(err) };
}
