/**
 * Request/reply through the transport's own inbox mux, against a real nats-server: replies go to
 * the request that asked, exactly once; no responders, timeouts, forbidden subjects and a closed
 * connection each fail a request with their typed error; a late reply is dropped.
 */
import { Transport } from '../../runtime/transport.js';
import { decode, encode } from '../../protocol/codec.js';
import { setupNats, PLATFORM_USER, type TestNats } from '../helpers/nats.js';

let nats: TestNats;
let t: Transport;
let server: Transport;

beforeAll(async () => {
  nats = await setupNats();
  t = await Transport.connect({ servers: nats.url, name: 'test:mux', ...PLATFORM_USER });
  server = await Transport.connect({ servers: nats.url, name: 'test:mux-server', ...PLATFORM_USER });
  // Replies with the request's n after a delay of n ms, so replies arrive out of order.
  server.nc.subscribe('dfn.mux.delay', {
    callback: (_e, msg) => {
      const body = decode(msg.data) as { n: number };
      setTimeout(() => msg.respond(encode({ type: 'Echoed', n: body.n })), body.n);
    },
  });
  await server.nc.flush();
});
afterAll(async () => {
  await t?.close();
  await server?.close();
  await nats?.cleanup();
});

test('concurrent requests each get their own reply, in any order', async () => {
  const ns = [40, 5, 25, 0, 15, 30, 10, 20];
  const replies = await Promise.all(ns.map((n) => t.request<{ type: string; n: number }>('dfn.mux.delay', { type: 'Delay', n })));
  expect(replies.map((r) => r.n)).toEqual(ns);
});

test('no responders, a timeout and a late reply', async () => {
  await expect(t.request('dfn.mux.nobody', { type: 'Ping' })).rejects.toMatchObject({ code: 'NoResponders' });
  await expect(t.request('dfn.mux.delay', { type: 'Delay', n: 300 }, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'Timeout' });
  // The late reply to the timed-out request arrives meanwhile and must not settle this one.
  const r = await t.request<{ type: string; n: number }>('dfn.mux.delay', { type: 'Delay', n: 400 });
  expect(r.n).toBe(400);
});

test('a forbidden subject fails with PermissionDenied; the connection goes on', async () => {
  const client = await Transport.connect({ servers: nats.url, name: 'test:mux-client', user: 'client', pass: 'client-secret' });
  try {
    await expect(client.request('dfn.mux.delay', { type: 'Delay', n: 0 }, { timeoutMs: 10_000 })).rejects.toMatchObject({ code: 'PermissionDenied' });
  } finally {
    await client.close();
  }
  expect((await t.request<{ type: string; n: number }>('dfn.mux.delay', { type: 'Delay', n: 1 })).n).toBe(1);
});

test('closing the connection fails the requests still waiting', async () => {
  const other = await Transport.connect({ servers: nats.url, name: 'test:mux-close', ...PLATFORM_USER });
  const waiting = other.request('dfn.mux.delay', { type: 'Delay', n: 500 }, { timeoutMs: 30_000 });
  await new Promise((r) => setTimeout(r, 50));
  await other.nc.close();
  await expect(waiting).rejects.toMatchObject({ code: 'Unavailable' });
});
