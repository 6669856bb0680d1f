/**
 * Server-Sent Events to the open pages: a `hello` with everything a page needs when it (re)connects
 * (state, recent events, lag history, the statechart), then `state` at every model push and
 * `lifecycle` for every event as it happens. A page that cannot keep up is dropped (its browser
 * reconnects and gets a fresh hello); a page never slows the model down.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './http.js';
import type { InspectorModel } from './model.js';
import type { InspectorHello, Statechart } from './types.js';

/** Drop a page whose unsent data exceeds this. */
const MAX_BUFFERED = 8 * 1024 * 1024;

export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly unsubscribe: () => void;
  private readonly keepAlive: NodeJS.Timeout;

  constructor(
    private readonly model: InspectorModel,
    private readonly statechart: Statechart,
    private readonly maxClients = 64,
  ) {
    this.unsubscribe = model.subscribe({
      state: (s) => this.broadcast('state', JSON.stringify(s)),
      event: (e) => this.broadcast('lifecycle', JSON.stringify(e)),
    });
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), 15_000);
    this.keepAlive.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  full(): boolean {
    return this.clients.size >= this.maxClients;
  }

  /** Starts an event stream on `res`. */
  open(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    const hello: InspectorHello = {
      state: this.model.state(),
      events: this.model.events.recent(300),
      history: this.model.series.history(),
      statechart: this.statechart,
      historyMs: this.model.series.historyMs,
    };
    res.write(frame('hello', JSON.stringify(hello)));
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.on('close', drop);
    res.on('error', drop);
  }

  /** Ends every stream (the server is closing). */
  close(): void {
    clearInterval(this.keepAlive);
    this.unsubscribe();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  private broadcast(event: string, data: string): void {
    this.write(frame(event, data));
  }

  private write(chunk: string): void {
    for (const c of this.clients) {
      if (c.writableLength > MAX_BUFFERED) {
        this.clients.delete(c);
        c.destroy();
        continue;
      }
      c.write(chunk);
    }
  }
}

function frame(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}
