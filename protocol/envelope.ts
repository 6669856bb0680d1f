/**
 * The message envelope. Every definite message is one NATS message whose payload is the msgpack
 * body and whose headers say what it is:
 *
 * | header        | value                                                        |
 * | ------------- | ------------------------------------------------------------ |
 * | `Dfn-Type`    | the message type, equal to the body's `type` field           |
 * | `Dfn-Version` | the protocol version (`PROTOCOL_VERSION`), an integer         |
 * | `Dfn-Error`   | on error replies only: the error code (see `errors.ts`)      |
 *
 * A receiver reads `Dfn-Type` to pick the schema, decodes the body and validates it before acting.
 * A message with no `Dfn-Type` header is typed by its body's `type` field.
 */

/** The protocol version this code speaks. A receiver refuses other major versions. */
export const PROTOCOL_VERSION = 1;

/** Header names, as nats.js canonicalises them. */
export const Header = {
  Type: 'Dfn-Type',
  Version: 'Dfn-Version',
  Error: 'Dfn-Error',
} as const;
export type Header = (typeof Header)[keyof typeof Header];

/** The default upper bound on a message body, in bytes (the NATS server's max_payload is larger). */
export const DEFAULT_MAX_PAYLOAD = 4 * 1024 * 1024;
