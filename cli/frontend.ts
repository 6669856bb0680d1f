/**
 * `definite frontend --host-id frontend-N`: a front-end process (DFN_FRONTENDS, started and
 * restarted by the orchestrator with an IPC channel to the environment process). It runs session
 * actors: pgwire connections, whose sockets the environment process accepts and hands over IPC
 * (actors/control/pgwire/handoff.ts), and NATS session actors, started when the coordinator asks
 * on `dfn.<region>.control.frontend.sessions` (one front end of the queue group answers). Both
 * reach the coordinator over NATS (actors/control/session-backend-nats.ts) and renew this
 * process's lease; a restarted process is a new front end (its id carries the incarnation), so
 * the holds of the one that died are released when its lease lapses. It exits when the IPC
 * channel closes (the environment process is gone: nothing would hand it sockets).
 */
import type { Socket } from 'node:net';
import type { Msg } from '@nats-io/transport-node';
import { Host } from '../runtime/host.js';
import { loadConfig } from '../runtime/config.js';
import { Header } from '../protocol/envelope.js';
import { decode } from '../protocol/codec.js';
import { DefiniteError, InvalidRequestError } from '../protocol/errors.js';
import { decodeMessage, MessageSet } from '../protocol/message.js';
import { FrontendCancel, FrontendStartSession } from '../protocol/control/coordinator.js';
import { frontendCancelSubject, frontendSessionsSubject } from '../protocol/control/subjects.js';
import { sessionKind } from '../actors/control/session.js';
import { NatsBackend } from '../actors/control/session-backend-nats.js';
import { setProcessBackend } from '../actors/control/session-backend.js';
import { PgwireServer } from '../actors/control/pgwire/server.js';
import { pgwireServerOptions } from '../actors/control/pgwire/pgwire-kind.js';
import { SOCKET_MESSAGE } from '../actors/control/pgwire/handoff.js';
import { flag, type ParsedArgs } from './args.js';

const startSession = new MessageSet<FrontendStartSession>([FrontendStartSession]);
const cancels = new MessageSet<FrontendCancel>([FrontendCancel]);

export async function frontendCommand(args: ParsedArgs): Promise<void> {
  const config = loadConfig();
  const hostId = flag(args, 'host-id') ?? process.env['DFN_HOST_ID'];
  if (!hostId) throw new Error('definite frontend needs --host-id ID');
  // Sockets may arrive before the server exists: keep them until it does.
  const early: Socket[] = [];
  let server: PgwireServer | undefined;
  process.on('message', (m, handle) => {
    if (m !== SOCKET_MESSAGE || !handle) return;
    if (server) server.adopt(handle as Socket);
    else early.push(handle as Socket);
  });
  process.on('disconnect', () => process.exit(0));
  const host = await Host.start({
    hostId,
    region: config.region,
    servers: config.natsUrl,
    user: config.natsUser,
    pass: config.natsPass,
    dataDir: config.dataDir,
    sync: config.sync,
    kinds: [sessionKind],
    heartbeatMs: Number(process.env['DFN_HEARTBEAT_MS'] ?? 500),
    onEscalate: (reason) => {
      console.error(`[frontend ${hostId}] root supervisor gave up: ${reason}`);
      process.exit(1);
    },
  });
  const frontend = `${hostId}.${host.incarnation.slice(0, 8)}`;
  const backend = new NatsBackend(host.transport, config.region, frontend);
  setProcessBackend(config.region, backend);
  backend.startLease();
  // Each front end hands out BackendKeyData pids of its own range, so a CancelRequest that reaches
  // another one (each connection is handed round-robin) is passed on to all of them over NATS.
  const index = Number(/(\d+)$/.exec(hostId)?.[1] ?? 0);
  const cancelSubject = frontendCancelSubject(config.region);
  server = new PgwireServer(backend, {
    ...pgwireServerOptions(config, config.region),
    firstPid: (index + 1) * 2 ** 20,
    forwardCancel: (pid, secret) => host.transport.publish(cancelSubject, { type: 'FrontendCancel', pid, secret }),
  });
  const served = server;
  host.transport.subscribe(cancelSubject, (msg) => {
    try {
      const c = cancels.validate(decode(msg.data), msg.headers?.get(Header.Type) || undefined);
      served.cancelForwarded(c.pid, c.secret);
    } catch {
      // a malformed cancel changes nothing
    }
  });
  for (const s of early.splice(0)) server.adopt(s);
  host.transport.subscribe(
    frontendSessionsSubject(config.region),
    (msg) => void onStartSession(host, msg),
    'frontends',
  );
  console.log(`[frontend ${hostId}] pid ${process.pid} running as ${frontend}`);
  const stop = () => {
    void Promise.all([server?.close(), backend.close()])
      .then(() => host.shutdown())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function onStartSession(host: Host, msg: Msg): Promise<void> {
  try {
    const cmd = decodeMessage(startSession, msg.data, {
      maxPayload: host.transport.maxPayload,
      headerType: msg.headers?.get(Header.Type),
      headerVersion: msg.headers?.get(Header.Version),
    });
    const config = { settings: cmd.settings, ...(cmd.client !== undefined ? { client: cmd.client } : {}) };
    await host.startActor({ kind: 'session', id: cmd.session, config }, { durable: false });
    host.transport.respond(msg, { type: 'CoordAck' });
  } catch (err) {
    host.transport.respondError(msg, err instanceof DefiniteError ? err : new InvalidRequestError((err as Error).message));
  }
}
