/**
 * The `webhook` actor: CONTROL's HTTP front end for webhook sources (server.ts), in the
 * environment process beside the coordinator whose group commit it writes through, as the pgwire
 * actor is. Supervised like the other controllers; it writes the port it bound to
 * `<data dir>/webhook.port`. A port already in use is logged and not retried.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageSet } from '../../../protocol/message.js';
import type { ActorBehavior, ActorContext, Reply } from '../../../runtime/actor.js';
import type { ActorKind } from '../../../runtime/host.js';
import { loadConfig } from '../../../runtime/config.js';
import { coordinatorOf } from '../coordinator.js';
import { WebhookServer } from './server.js';

const commands = new MessageSet([]);

class Webhook implements ActorBehavior {
  readonly commands = commands;
  private server: WebhookServer | undefined;
  private port: number | undefined;

  constructor(private readonly ctx: ActorContext) {}

  async recover(): Promise<void> {
    const config = loadConfig();
    const server = new WebhookServer(() => coordinatorOf(this.ctx.region)?.deps);
    try {
      this.port = await server.listen(config.webhookPort);
    } catch (err) {
      console.error(`[webhook] cannot listen on 127.0.0.1:${config.webhookPort}: ${(err as Error).message}`);
      return;
    }
    this.server = server;
    try {
      writeFileSync(join(config.dataDir, 'webhook.port'), `${this.port}\n`);
    } catch {
      // the log line names the port
    }
    console.log(`[webhook] listening on http://127.0.0.1:${this.port}/api/webhook/materialize/public/<source>`);
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }

  handle(): Reply {
    return undefined;
  }

  info(): Record<string, unknown> {
    return { port: this.port ?? null, accepted: this.server?.accepted ?? 0, refused: this.server?.refused ?? 0 };
  }
}

export const webhookKind: ActorKind = {
  kind: 'webhook',
  layer: 'control',
  create: (ctx) => new Webhook(ctx),
};
