/**
 * The inspector's actions: stop, restart or kill an actor (host commands) and stop, start or kill
 * a host process (orchestrator commands). They are sent as the `operator` NATS user (nats.conf),
 * the only connection of the inspector that may publish runtime commands, and take the same
 * supervisor paths as a real failure: KillActor crashes the actor, KillHost SIGKILLs the process.
 * A request is validated (schema, explicit `confirm: true`, a target the inspector has seen)
 * before anything is sent; what the platform answers is passed back with its own error code.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { hostSubject, orchestratorSubject } from '../../protocol/subjects.js';
import { SYS_REPLIES } from '../../protocol/sys/messages.js';
import { MessageSet } from '../../protocol/message.js';
import { systemClock, type Clock } from '../clock.js';
import { Transport, type Typed } from '../transport.js';
import { HttpError, HttpErrorCode } from './errors.js';
import { watchLink } from './link.js';
import type { InspectorModel } from './model.js';

/** The actions the page offers. */
export const ActionName = {
  StopActor: 'stop-actor',
  RestartActor: 'restart-actor',
  KillActor: 'kill-actor',
  StopHost: 'stop-host',
  StartHost: 'start-host',
  KillHost: 'kill-host',
} as const;
export type ActionName = (typeof ActionName)[keyof typeof ActionName];

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

/** `POST /api/actions` body. `confirm: true` says a person confirmed it. */
export const ActionRequest = Type.Object(
  {
    action: Type.Union(Object.values(ActionName).map((a) => Type.Literal(a))),
    hostId: Id,
    actorId: Type.Optional(Id),
    confirm: Type.Literal(true),
  },
  { additionalProperties: false },
);
export type ActionRequest = Static<typeof ActionRequest>;

/** The reply to a carried-out action. */
export interface ActionResult {
  type: 'ActionResult';
  action: ActionName;
  hostId: string;
  actorId?: string;
  detail: string;
}

const check = TypeCompiler.Compile(ActionRequest);
const sysReplies = new MessageSet<Typed & { type: 'Ok' | 'HostList' | 'HostTree' }>(SYS_REPLIES);

export interface ActionsOptions {
  region: string;
  servers: string | string[];
  user: string;
  pass: string;
  clock?: Clock;
}

export class Actions {
  private transport: Transport | undefined;
  private connected = false;
  private closed = false;
  private readonly clock: Clock;

  constructor(
    private readonly model: InspectorModel,
    private readonly options: ActionsOptions,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /** Connects as the operator user in the background (retrying forever). */
  start(): void {
    void Transport.connect({ servers: this.options.servers, name: 'inspector:operator', user: this.options.user, pass: this.options.pass, timeoutMs: 10_000 })
      .then(async (t) => {
        if (this.closed) return t.close();
        this.transport = t;
        this.connected = true;
        this.model.setOperatorLink({ state: 'connected', since: this.clock.now() });
        watchLink(t, this.clock, (s) => {
          this.connected = s.state === 'connected';
          this.model.setOperatorLink(s);
        });
      })
      .catch((err: Error) => this.model.setOperatorLink({ state: 'closed', since: this.clock.now(), error: err.message }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.transport?.close().catch(() => undefined);
  }

  /** Validates `body` and carries the action out; throws HttpError on any failure. */
  async perform(body: unknown): Promise<ActionResult> {
    const req = validate(body);
    const { subject, message, timeoutMs, target } = this.plan(req);
    const t = this.transport;
    if (!t || !this.connected) {
      throw new HttpError(503, HttpErrorCode.Unavailable, 'the inspector\'s operator connection to NATS is not up; try again when the page shows NATS connected');
    }
    await t.request(subject, message, { timeoutMs, replies: sysReplies });
    return { type: 'ActionResult', action: req.action, hostId: req.hostId, ...(req.actorId ? { actorId: req.actorId } : {}), detail: `${req.action} sent to ${target}` };
  }

  private plan(req: ActionRequest): { subject: string; message: Typed; timeoutMs: number; target: string } {
    const region = this.options.region;
    switch (req.action) {
      case 'stop-actor':
      case 'restart-actor':
      case 'kill-actor': {
        if (!req.actorId) throw new HttpError(400, HttpErrorCode.SchemaViolation, `${req.action} needs "actorId"`, { path: '/actorId' });
        if (!this.model.actor(req.hostId, req.actorId)) {
          throw new HttpError(404, HttpErrorCode.NotFound, `no actor "${req.actorId}" on host "${req.hostId}" is known to the inspector`, { hostId: req.hostId, actorId: req.actorId });
        }
        const type = req.action === 'stop-actor' ? 'StopActor' : req.action === 'restart-actor' ? 'RestartActor' : 'KillActor';
        return { subject: hostSubject(region, req.hostId), message: { type, id: req.actorId }, timeoutMs: 15_000, target: `actor ${req.actorId} on host ${req.hostId}` };
      }
      case 'stop-host':
      case 'start-host':
      case 'kill-host': {
        if (req.actorId !== undefined) throw new HttpError(400, HttpErrorCode.SchemaViolation, `${req.action} takes no "actorId"`, { path: '/actorId' });
        const host = this.model.host(req.hostId);
        if (!host) throw new HttpError(404, HttpErrorCode.NotFound, `no host "${req.hostId}" is known to the inspector`, { hostId: req.hostId });
        if (!host.managed) {
          throw new HttpError(409, HttpErrorCode.InvalidRequest, `host "${req.hostId}" is not a process the orchestrator manages (it runs inside another process); act on its actors instead`, {
            hostId: req.hostId,
          });
        }
        const message: Typed =
          req.action === 'start-host' ? { type: 'StartHost', hostId: req.hostId, actors: [] } : { type: req.action === 'stop-host' ? 'StopHost' : 'KillHost', hostId: req.hostId };
        return { subject: orchestratorSubject(region), message, timeoutMs: req.action === 'kill-host' ? 10_000 : 60_000, target: `host ${req.hostId}` };
      }
      default:
        return assertNever(req.action);
    }
  }
}

function validate(body: unknown): ActionRequest {
  if (check.Check(body)) return body;
  const first = check.Errors(body).First();
  const path = first?.path || '/';
  const hint = path === '/confirm' ? ' (actions must be confirmed: send "confirm": true)' : '';
  throw new HttpError(400, HttpErrorCode.SchemaViolation, `invalid action request at ${path}: ${first?.message ?? 'invalid'}${hint}`, { path });
}

function assertNever(x: never): never {
  throw new Error(`unhandled action ${JSON.stringify(x)}`);
}
