/**
 * The pgwire listener: a TCP server on 127.0.0.1 (Materialize's port 6875 by default,
 * DFN_PGWIRE_PORT) whose every connection is a PgConnection. It hands out BackendKeyData (pid,
 * secret) and routes a CancelRequest to the connection it names (a wrong secret is ignored, as in
 * Postgres). It holds what start-up needs: the pg users of the process's account (accounts.ts),
 * the password method, and the TLS context if TLS is configured. Stopping it closes the listener
 * and every connection.
 */
import { randomInt } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { SessionBackend } from '../session-backend.js';
import { PgConnection, type ConnectionHost } from './connection.js';
import { defaultPgUsers, type PgUsers } from './accounts.js';
import type { AuthMethod } from './auth.js';
import { errorResponse } from './backend.js';
import type { SocketHandoff } from './handoff.js';

export interface PgwireServerOptions {
  /** The pg users (default: `materialize` only, trust on loopback). */
  users?: PgUsers;
  /** The password method for the password users (default SCRAM-SHA-256). */
  method?: AuthMethod;
  /** TLS: SSLRequest answered 'S' and the connection upgraded (default: 'N'). */
  tls?: SecureContext;
  /** Sessions run in front-end processes: accepted sockets go there (handoff.ts), not to PgConnections here. */
  handoff?: SocketHandoff;
  /** The first BackendKeyData pid (a front-end process's range: `(index + 1) << 20`), default 1. */
  firstPid?: number;
  /** A CancelRequest for a pid not served here (another front-end process's): pass it on. */
  forwardCancel?: (pid: number, secret: number) => void;
}

export class PgwireServer implements ConnectionHost {
  private server: Server | undefined;
  private readonly connections = new Map<number, PgConnection>();
  private readonly open = new Set<PgConnection>();
  private nextPid = 1;
  private nextConnection = 1;

  readonly auth: { users: PgUsers; method: AuthMethod };
  readonly tls: SecureContext | undefined;

  constructor(readonly backend: SessionBackend, options: PgwireServerOptions = {}) {
    this.auth = { users: options.users ?? defaultPgUsers(), method: options.method ?? 'scram-sha-256' };
    this.tls = options.tls;
    this.handoff = options.handoff;
    this.nextPid = options.firstPid ?? 1;
    this.forwardCancel = options.forwardCancel;
  }

  private readonly forwardCancel: ((pid: number, secret: number) => void) | undefined;

  private readonly handoff: SocketHandoff | undefined;
  /** Sockets handed to front-end processes. */
  handedOff = 0;

  /** Serves a socket accepted elsewhere (a front-end process's, handed over IPC). */
  adopt(socket: Socket): void {
    this.open.add(new PgConnection(socket, this));
  }

  private accepted(socket: Socket): void {
    if (!this.handoff) return this.adopt(socket);
    if (this.handoff(socket)) {
      this.handedOff++;
      return;
    }
    // No front-end process is up (they are restarting): refuse, as a starting Postgres does.
    socket.on('error', () => undefined);
    socket.end(errorResponse({ severity: 'FATAL', code: '57P03', message: 'no front-end process is running; retry shortly' }));
  }

  /** Listens on `host:port` (0: any free port); resolves with the port bound. */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    // Paused on accept, so a socket handed to a front-end process has not been read from here.
    const server = createServer({ pauseOnConnect: this.handoff !== undefined }, (socket) => this.accepted(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => console.error(`[pgwire] ${err.message}`));
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  connectionId(): string {
    return String(this.nextConnection++);
  }

  register(conn: PgConnection): { pid: number; secret: number } {
    const pid = this.nextPid++;
    const secret = randomInt(1, 2 ** 31 - 1);
    this.connections.set(pid, conn);
    return { pid, secret };
  }

  unregister(conn: PgConnection): void {
    this.open.delete(conn);
    if (this.connections.get(conn.pid) === conn) this.connections.delete(conn.pid);
  }

  cancel(pid: number, secret: number): void {
    const conn = this.connections.get(pid);
    if (conn) {
      if (conn.secret === secret) conn.cancel();
    } else {
      this.forwardCancel?.(pid, secret);
    }
  }

  /** A CancelRequest another front-end process passed on: only a connection of this one is canceled. */
  cancelForwarded(pid: number, secret: number): void {
    const conn = this.connections.get(pid);
    if (conn && conn.secret === secret) conn.cancel();
  }

  /** Connections open now (start-up included). */
  count(): number {
    return this.open.size;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const conn of [...this.open]) conn.terminate('terminating connection due to administrator command');
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
