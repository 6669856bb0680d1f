/**
 * The inspector's HTTP server (node:http, bound to 127.0.0.1): the page and its assets from
 * `page/`, a JSON API over the model, Server-Sent Events, the NATS monitoring proxy and the
 * actions. Every failure is a typed JSON error with a 4xx/5xx status; a bad request only ever
 * costs the inspector a reply, never the platform anything (it reaches NATS only as a validated
 * action on a known target).
 *
 * ```
 * GET  /                       the page            GET  /assets/<file>        its assets
 * GET  /api                    this list           GET  /api/health           links and region
 * GET  /api/state              the whole state     GET  /api/events           Server-Sent Events
 * GET  /api/actors             actor rows          GET  /api/actors/<host>/<id>  one actor + its events
 * GET  /api/hosts              host rows           GET  /api/hosts/<host>     one host + its events
 * GET  /api/log                recent events       GET  /api/series           lag series and history
 * GET  /api/statechart         the lifecycle machine
 * GET  /api/nats/varz|connz|jsz  NATS monitoring (proxied)
 * POST /api/actions            {action, hostId, actorId?, confirm: true}
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { HttpError, HttpErrorCode } from './errors.js';
import { discardBody, guard, readJson, SECURITY_HEADERS, sendError, sendJson } from './http.js';
import { EventHub } from './sse.js';
import { isMonitorEndpoint, readMonitor } from './nats-monitor.js';
import type { InspectorModel } from './model.js';
import type { Actions } from './actions.js';
import type { Statechart } from './types.js';

export interface InspectorServerOptions {
  port: number;
  /** Always loopback unless a test says otherwise. */
  host?: string;
  model: InspectorModel;
  actions: Actions;
  statechart: Statechart;
  /** NATS monitoring base URL (`http://127.0.0.1:<http port>`). */
  monitorUrl: string;
  /** Directory of the page's static files. */
  pageDir: string;
  maxBodyBytes?: number;
  maxClients?: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: string[]) => Promise<void> | void;
interface Route {
  pattern: RegExp;
  methods: Partial<Record<'GET' | 'POST', Handler>>;
  doc: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export class InspectorServer {
  private readonly server: Server;
  private readonly hub: EventHub;
  private readonly assets = new Map<string, { type: string; data: Buffer }>();
  private readonly routes: Route[];
  private readonly maxBodyBytes: number;

  private constructor(private readonly options: InspectorServerOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? 16 * 1024;
    for (const f of readdirSync(options.pageDir)) {
      const type = CONTENT_TYPES[extname(f)];
      if (type) this.assets.set(f, { type, data: readFileSync(join(options.pageDir, f)) });
    }
    this.hub = new EventHub(options.model, options.statechart, options.maxClients);
    this.routes = this.makeRoutes();
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
  }

  /** Starts listening; resolves once bound (rejects when the port is taken). */
  static async listen(options: InspectorServerOptions): Promise<InspectorServer> {
    const s = new InspectorServer(options);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.server.listen(options.port, options.host ?? '127.0.0.1', () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    return s;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  async close(): Promise<void> {
    this.hub.close();
    await new Promise<void>((r) => {
      this.server.close(() => r());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      guard(req);
      let path: string;
      try {
        path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
      } catch {
        throw new HttpError(400, HttpErrorCode.MalformedPath, 'the request path is not valid percent-encoding');
      }
      for (const route of this.routes) {
        const m = route.pattern.exec(path);
        if (!m) continue;
        const handler = route.methods[req.method as 'GET' | 'POST'];
        if (!handler) {
          const allow = Object.keys(route.methods).join(', ');
          throw new HttpError(405, HttpErrorCode.MethodNotAllowed, `${req.method} is not allowed on ${path}; use ${allow}`, { allow }, { Allow: allow });
        }
        await handler(req, res, m.slice(1));
        return;
      }
      throw new HttpError(404, HttpErrorCode.NotFound, `no such path: ${path} (GET /api lists the API)`);
    } catch (err) {
      const e = HttpError.from(err);
      const unread = !req.readableEnded;
      if (unread) discardBody(req);
      sendError(res, e, unread && req.method !== 'GET');
    }
  }

  private makeRoutes(): Route[] {
    const { model, actions } = this.options;
    const json = (body: unknown) => (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 200, typeof body === 'function' ? (body as () => unknown)() : body);
    const routes: Route[] = [
      { pattern: /^\/$/, methods: { GET: (_q, res) => this.asset(res, 'index.html') }, doc: 'the page' },
      { pattern: /^\/assets\/([^/]+)$/, methods: { GET: (_q, res, [name]) => this.asset(res, name!) }, doc: 'page assets' },
      { pattern: /^\/api\/?$/, methods: { GET: json(() => ({ type: 'Api', routes: this.routes.map((r) => ({ path: r.pattern.source, methods: Object.keys(r.methods), doc: r.doc })) })) }, doc: 'this list' },
      {
        pattern: /^\/api\/health$/,
        methods: { GET: json(() => { const s = model.state(); return { type: 'Health', region: s.region, at: s.at, links: s.links, clients: this.hub.size }; }) },
        doc: 'links to NATS and the orchestrator',
      },
      { pattern: /^\/api\/state$/, methods: { GET: json(() => model.state()) }, doc: 'the whole live state' },
      { pattern: /^\/api\/events$/, methods: { GET: (req, res) => this.events(req, res) }, doc: 'Server-Sent Events: hello, state, lifecycle' },
      { pattern: /^\/api\/log$/, methods: { GET: json(() => ({ type: 'Log', events: model.events.recent(1000) })) }, doc: 'recent events' },
      { pattern: /^\/api\/series$/, methods: { GET: json(() => ({ type: 'Series', series: model.series.list(), history: model.series.history() })) }, doc: 'lag series' },
      { pattern: /^\/api\/statechart$/, methods: { GET: json(this.options.statechart) }, doc: 'the actor lifecycle machine' },
      { pattern: /^\/api\/actors$/, methods: { GET: json(() => ({ type: 'Actors', actors: model.state().actors })) }, doc: 'actor rows' },
      { pattern: /^\/api\/actors\/([^/]+)\/([^/]+)$/, methods: { GET: (_q, res, [h, id]) => this.actor(res, h!, id!) }, doc: 'one actor and its events' },
      { pattern: /^\/api\/hosts$/, methods: { GET: json(() => ({ type: 'Hosts', hosts: model.state().hosts })) }, doc: 'host rows' },
      { pattern: /^\/api\/hosts\/([^/]+)$/, methods: { GET: (_q, res, [h]) => this.host(res, h!) }, doc: 'one host and its events' },
      { pattern: /^\/api\/nats\/([^/]+)$/, methods: { GET: (_q, res, [name]) => this.monitor(res, name!) }, doc: 'NATS monitoring: varz, connz, jsz' },
      {
        pattern: /^\/api\/actions$/,
        methods: { POST: async (req, res) => sendJson(res, 200, await actions.perform(await readJson(req, this.maxBodyBytes))) },
        doc: 'stop/restart/kill an actor, stop/start/kill a host',
      },
    ];
    return routes;
  }

  private asset(res: ServerResponse, name: string): void {
    const a = this.assets.get(name);
    if (!a) throw new HttpError(404, HttpErrorCode.NotFound, `no such asset: ${name}`);
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': a.type, 'Content-Length': a.data.length, 'Cache-Control': 'no-cache' });
    res.end(a.data);
  }

  private events(req: IncomingMessage, res: ServerResponse): void {
    if (this.hub.full()) throw new HttpError(503, HttpErrorCode.Unavailable, 'too many open inspector pages; close one');
    this.hub.open(req, res);
  }

  private actor(res: ServerResponse, hostId: string, id: string): void {
    const row = this.options.model.actor(hostId, id);
    if (!row) throw new HttpError(404, HttpErrorCode.NotFound, `no actor "${id}" on host "${hostId}" is known to the inspector`, { hostId, actorId: id });
    const live = this.options.model.state().actors.find((a) => a.key === row.key) ?? row;
    sendJson(res, 200, { type: 'Actor', actor: live, events: this.options.model.events.of(row.key) });
  }

  private host(res: ServerResponse, hostId: string): void {
    const row = this.options.model.host(hostId);
    if (!row) throw new HttpError(404, HttpErrorCode.NotFound, `no host "${hostId}" is known to the inspector`, { hostId });
    sendJson(res, 200, { type: 'Host', host: row, events: this.options.model.events.of(`${hostId}/${hostId}`) });
  }

  private async monitor(res: ServerResponse, name: string): Promise<void> {
    if (!isMonitorEndpoint(name)) throw new HttpError(404, HttpErrorCode.NotFound, `no NATS monitoring endpoint "${name}"; use varz, connz or jsz`);
    sendJson(res, 200, await readMonitor(this.options.monitorUrl, name));
  }
}
