/**
 * The actor inspector: a web page served by definite that shows the whole region live (the
 * supervision tree, actors, collections, clusters, timelines, sessions, NATS) and offers the
 * stop/restart/kill actions. `startInspector` wires the model (read-only `inspector` NATS user),
 * the actions (`operator` user) and the HTTP server; the HTTP server listens before NATS is
 * reached, so the page can say what is down from the first second.
 */
import { fileURLToPath } from 'node:url';
import type { Clock } from '../clock.js';
import { Actions } from './actions.js';
import { InspectorModel } from './model.js';
import { InspectorServer } from './server.js';
import { lifecycleStatechart } from './statechart.js';

export { Actions, ActionName, ActionRequest, type ActionResult } from './actions.js';
export { HttpError, HttpErrorCode } from './errors.js';
export { InspectorModel } from './model.js';
export { InspectorServer } from './server.js';
export { lifecycleStatechart } from './statechart.js';
export type { ActorRow, HostRow, InspectorEvent, InspectorHello, InspectorState, LinkStatus, SeriesInfo, Statechart } from './types.js';

/** The page's static files. */
export const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url));

export interface InspectorOptions {
  region: string;
  natsUrl: string | string[];
  /** The read-only user (nats.conf `inspector`). */
  reader: { user: string; pass: string };
  /** The user the actions are sent as (nats.conf `operator`). */
  operator: { user: string; pass: string };
  /** NATS monitoring base URL, e.g. `http://127.0.0.1:8290`. */
  monitorUrl: string;
  /** HTTP port on 127.0.0.1 (0: any free port). */
  port: number;
  pollMs?: number;
  historyMs?: number;
  maxBodyBytes?: number;
  clock?: Clock;
}

export interface RunningInspector {
  url: string;
  port: number;
  model: InspectorModel;
  server: InspectorServer;
  close(): Promise<void>;
}

/** Starts the inspector: the HTTP server at once, the NATS connections in the background. */
export async function startInspector(options: InspectorOptions): Promise<RunningInspector> {
  const clock = options.clock ? { clock: options.clock } : {};
  const model = new InspectorModel({
    region: options.region,
    servers: options.natsUrl,
    ...options.reader,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.historyMs !== undefined ? { historyMs: options.historyMs } : {}),
    ...clock,
  });
  const actions = new Actions(model, { region: options.region, servers: options.natsUrl, ...options.operator, ...clock });
  const server = await InspectorServer.listen({
    port: options.port,
    model,
    actions,
    statechart: lifecycleStatechart(),
    monitorUrl: options.monitorUrl,
    pageDir: PAGE_DIR,
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  model.start();
  actions.start();
  return {
    url: server.url,
    port: server.port,
    model,
    server,
    async close() {
      await server.close();
      await actions.close();
      await model.close();
    },
  };
}
