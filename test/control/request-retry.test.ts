/**
 * Requests whose reply is lost are asked again soon, over a real nats-server: the timeline client
 * (a lost WriteTs held a drill's SELECT for 28.7 s behind a 30 s timeout) asks again after its 2 s
 * attempt, and waits for an oracle that is not subscribed yet; an append is sent again with the
 * same token after its 3 s attempt, not 10 s. The responders here stand in for the oracle and the
 * collection: they drop the first request, as a nats-server restart does.
 */
import { Transport } from '../../runtime/transport.js';
import { TimelineClient, timelineActorId } from '../../actors/control/timestamps.js';
import { timelineSubject } from '../../protocol/control/timeline.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { collectionSubject } from '../../protocol/storage/subjects.js';
import { decode } from '../../protocol/codec.js';
import { setupNats, PLATFORM_USER, type TestNats } from '../helpers/nats.js';

let nats: TestNats;
let client: Transport;
let server: Transport;

beforeAll(async () => {
  nats = await setupNats();
  client = await Transport.connect({ servers: nats.url, name: 'test:retry-client', ...PLATFORM_USER });
  server = await Transport.connect({ servers: nats.url, name: 'test:retry-server', ...PLATFORM_USER });
});
afterAll(async () => {
  await client.close();
  await server.close();
  await nats.cleanup();
});

test('the timeline client asks again when a reply is lost, and waits for an oracle that is not there yet', async () => {
  const subject = timelineSubject('rr', timelineActorId('main'));
  const timeline = new TimelineClient(client, 'rr', 'main');
  // Nobody answers yet: the client keeps asking (NoResponders) until the oracle subscribes.
  const pending = timeline.writeTs();
  await new Promise((r) => setTimeout(r, 300));
  const seen: string[] = [];
  const sub = server.subscribe(subject, (msg) => {
    const type = (decode(msg.data) as { type: string }).type;
    seen.push(type);
    if (seen.length === 1) return; // the first reply is lost
    server.respond(msg, { type: 'Timestamp', ts: 42, readTs: 41, writeTs: 42 });
  });
  await server.nc.flush();
  await expect(pending).resolves.toBe(42);
  expect(seen).toEqual(['WriteTs', 'WriteTs']);
  await expect(timeline.applyWrite(42)).resolves.toBe(41);
  sub.unsubscribe();
});

test('an append whose reply is lost is sent again with the same token well before 10 s', async () => {
  const storage = new StorageClient(client, 'rr');
  const arrivals: Array<{ at: number; token: string }> = [];
  const sub = server.subscribe(collectionSubject('rr', 't'), (msg) => {
    const body = decode(msg.data) as { type: string; token: string; newUpper: number };
    arrivals.push({ at: Date.now(), token: body.token });
    if (arrivals.length === 1) return; // the first reply is lost
    server.respond(msg, { type: 'Appended', upper: body.newUpper, duplicate: true });
  });
  await server.nc.flush();
  const outcome = await storage.compareAndAppend({ collection: 't', writer: 'w', expectedUpper: 1, newUpper: 2, updates: [[[1, 'a'], 1, 1]] });
  expect(outcome).toEqual({ ok: true, upper: 2, duplicate: true });
  expect(arrivals).toHaveLength(2);
  expect(arrivals[1]!.token).toBe(arrivals[0]!.token);
  // 3 s per attempt; the old 10 s would put the second arrival 10 s after the first.
  expect(arrivals[1]!.at - arrivals[0]!.at).toBeLessThan(9_000);
  sub.unsubscribe();
});
