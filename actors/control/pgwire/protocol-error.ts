/**
 * A violation of the Postgres wire protocol by the client (bad length, unknown message type,
 * truncated body, out-of-order message): answered with ErrorResponse 08P01 and the connection
 * closed. The server and every other connection keep running.
 */
export const PROTOCOL_VIOLATION = '08P01';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly sqlstate: string;
  constructor(message: string, sqlstate: string = PROTOCOL_VIOLATION) {
    super(message);
    this.sqlstate = sqlstate;
  }
}
