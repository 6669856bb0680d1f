/**
 * Subject scheme shared by every layer. All definite subjects live inside one NATS account and
 * start with `dfn.<region>`:
 *
 * ```
 * dfn.<region>.storage.<...>            STORAGE (protocol/storage/subjects.ts)
 * dfn.<region>.compute.<...>            COMPUTE (protocol/compute/subjects.ts)
 * dfn.<region>.control.<...>            CONTROL, the only subjects clients may publish to
 * dfn.<region>.timeline.<name>.<...>    timestamp oracles
 * dfn.<region>.inspect.<...>            inspection events and snapshots (protocol/inspect)
 * dfn.<region>.sys.<...>                runtime: host processes, the orchestrator, demo actors
 * ```
 *
 * An actor's address is one subject, `dfn.<region>.<layer>.<kind>.<id>`; request types are told
 * apart by the `Dfn-Type` header, not by the subject. Every token is validated by `token()`:
 * 1 to 64 characters of `[A-Za-z0-9_-]`, so no token can contain `.`, `*`, `>` or whitespace.
 */
import { InvalidRequestError } from './errors.js';

/** The layers that own a subject space. */
export const Layer = {
  Storage: 'storage',
  Compute: 'compute',
  Control: 'control',
  Timeline: 'timeline',
  Inspect: 'inspect',
  Sys: 'sys',
} as const;
export type Layer = (typeof Layer)[keyof typeof Layer];

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** Validates one subject token; throws InvalidRequest on anything that is not a plain token. */
export function token(value: string, what = 'subject token'): string {
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    throw new InvalidRequestError(`${what} ${JSON.stringify(value)} must be 1-64 characters of A-Z, a-z, 0-9, _ or -`);
  }
  return value;
}

/** True when `value` is a valid subject token. */
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

/** `dfn.<region>` */
export function regionPrefix(region: string): string {
  return `dfn.${token(region, 'region')}`;
}

/** `dfn.<region>.<layer>.<kind>.<id>`: the address of an actor. */
export function actorSubject(region: string, layer: Layer, kind: string, id: string): string {
  return `${regionPrefix(region)}.${layer}.${token(kind, 'actor kind')}.${token(id, 'actor id')}`;
}

/** `dfn.<region>.sys.host.<hostId>`: commands to one host process. */
export function hostSubject(region: string, hostId: string): string {
  return `${regionPrefix(region)}.sys.host.${token(hostId, 'host id')}`;
}

/** `dfn.<region>.sys.orchestrator`: commands to the process orchestrator. */
export function orchestratorSubject(region: string): string {
  return `${regionPrefix(region)}.sys.orchestrator`;
}
