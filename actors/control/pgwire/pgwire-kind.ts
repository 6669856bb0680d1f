/**
 * The `pgwire` actor: CONTROL's Postgres front end in the environment process, beside the
 * coordinator whose handlers its connections use (the NATS front end is the session actor). It is
 * supervised like the other controllers: a crash closes its connections and the restart listens
 * again. It writes the port it bound to `<data dir>/pgwire.port` (for port 0 and for tools). A
 * port already in use is logged and not retried, so it never takes the controllers down; so is a
 * TLS certificate or key that cannot be loaded (no fallback to plaintext) or an unknown
 * DFN_PGWIRE_AUTH. The pg users come from nats.conf (DFN_NATS_CONF), accounts.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageSet } from '../../../protocol/message.js';
import type { ActorBehavior, ActorContext, Reply } from '../../../runtime/actor.js';
import type { ActorKind } from '../../../runtime/host.js';
import { loadConfig, type PlatformConfig } from '../../../runtime/config.js';
import { InProcessBackend } from '../session-backend.js';
import { PgwireServer, type PgwireServerOptions } from './server.js';
import { socketHandoff } from './handoff.js';
import { loadPgUsers } from './accounts.js';
import { AUTH_METHODS, type AuthMethod } from './auth.js';
import { loadSecureContext, tlsConfig } from './tls.js';

export interface PgwireConfig {
  /** The TCP port on 127.0.0.1 (default DFN_PGWIRE_PORT, else 6875; 0: any free port). */
  port?: number;
}

const commands = new MessageSet([]);

class Pgwire implements ActorBehavior {
  readonly commands = commands;
  private server: PgwireServer | undefined;
  private port: number | undefined;

  constructor(private readonly ctx: ActorContext) {}

  async recover(): Promise<void> {
    const config = loadConfig();
    const port = (this.ctx.config as PgwireConfig | undefined)?.port ?? config.pgwirePort;
    let server: PgwireServer;
    try {
      const handoff = socketHandoff();
      server = new PgwireServer(InProcessBackend.of(this.ctx.region), { ...pgwireServerOptions(config, this.ctx.region), ...(handoff ? { handoff } : {}) });
    } catch (err) {
      console.error(`[pgwire] not listening: ${(err as Error).message}`);
      return;
    }
    try {
      this.port = await server.listen(port);
    } catch (err) {
      console.error(`[pgwire] cannot listen on 127.0.0.1:${port}: ${(err as Error).message}`);
      return;
    }
    this.server = server;
    try {
      writeFileSync(join(config.dataDir, 'pgwire.port'), `${this.port}\n`);
    } catch {
      // the data dir may not exist yet in unusual set-ups; the log line below still names the port
    }
    console.log(`[pgwire] listening on 127.0.0.1:${this.port}`);
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  handle(): Reply {
    return undefined;
  }

  info(): Record<string, unknown> {
    const s = this.server;
    return { port: this.port ?? null, connections: s?.count() ?? 0, handedOff: s?.handedOff ?? 0, account: s?.auth.users.account ?? null, passwordUsers: s ? [...s.auth.users.users.keys()] : [], tls: s ? s.tls !== undefined : null };
  }
}

/** The pg users, password method and TLS context of this process's configuration (throws on a bad one). */
export function pgwireServerOptions(config: PlatformConfig, region: string): PgwireServerOptions {
  const method = config.pgwireAuth as AuthMethod;
  if (!AUTH_METHODS.includes(method)) throw new Error(`DFN_PGWIRE_AUTH must be one of ${AUTH_METHODS.join(', ')}, not "${config.pgwireAuth}"`);
  const tls = tlsConfig(config.pgwireTlsCert, config.pgwireTlsKey);
  return { users: loadPgUsers(config.natsConf, config.natsUser, region), method, ...(tls ? { tls: loadSecureContext(tls) } : {}) };
}

export const pgwireKind: ActorKind = {
  kind: 'pgwire',
  layer: 'control',
  create: (ctx) => new Pgwire(ctx),
};
