/**
 * The sink's window of in-flight publishes (actors/storage/sinks/publish-window.ts), against a
 * real nats-server: on an exclusive stream thousands of publishes fly at once and land in order
 * at the sequences predicted; a message someone else publishes on the subject mid-window makes
 * every later one fail, so nothing of the sink's lands after it (a gap would be a lost message
 * after the restart resumes from the last one); on a shared stream it publishes one at a time.
 */
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Transport } from '../../runtime/transport.js';
import { PublishWindow, WINDOW } from '../../actors/storage/sinks/publish-window.js';
import { setupNats, PLATFORM_USER, type TestNats } from '../helpers/nats.js';

let nats: TestNats;
let t: Transport;
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  nats = await setupNats();
  t = await Transport.connect({ servers: nats.url, name: 'test:window', ...PLATFORM_USER });
  nc = t.nc;
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await t.close();
  await nats.cleanup();
});

const data = (i: number) => new TextEncoder().encode(String(i));

/** The subject's messages, as their payloads, in stream order. */
async function stored(stream: string, subject: string): Promise<string[]> {
  const info = await jsm.streams.info(stream);
  const out: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (m?.subject === subject) out.push(new TextDecoder().decode(m.data));
  }
  return out;
}

async function publishAll(w: PublishWindow, subject: string, n: number, onSent?: (i: number) => void): Promise<void> {
  for (let i = 0; i < n; i++) {
    await w.publish({ subject, data: data(i), headers: headers(), msgID: `m${i}`, time: Math.floor(i / 10) });
    onSent?.(i);
  }
  await w.drain();
}

test('an exclusive stream: publishes fly in a window and land in order at the predicted sequences', async () => {
  await jsm.streams.add({ name: 'EX', subjects: ['ex'] });
  const errors: unknown[] = [];
  const w = new PublishWindow(jetstream(nc), true, 0, (e) => errors.push(e));
  let maxInFlight = 0;
  await publishAll(w, 'ex', 3000, (i) => { maxInFlight = Math.max(maxInFlight, i + 1 - w.acked); });
  expect(errors).toEqual([]);
  expect(w.acked).toBe(3000);
  expect(w.lastSequence).toBe(3000);
  expect(maxInFlight).toBeGreaterThan(1); // it did not wait for each ack
  expect(maxInFlight).toBeLessThanOrEqual(WINDOW);
  expect(await stored('EX', 'ex')).toEqual(Array.from({ length: 3000 }, (_, i) => String(i)));
});

test('a foreign message on the subject mid-window: nothing of the sink lands after it, and the window fails', async () => {
  await jsm.streams.add({ name: 'EXF', subjects: ['exf'] });
  const errors: unknown[] = [];
  const w = new PublishWindow(jetstream(nc), true, 0, (e) => errors.push(e));
  const run = publishAll(w, 'exf', 3000, (i) => {
    if (i === 500) nc.publish('exf', new TextEncoder().encode('foreign'));
  });
  await expect(run).rejects.toThrow(/wrong last/);
  expect(errors.length).toBe(1);
  const got = await stored('EXF', 'exf');
  const at = got.indexOf('foreign');
  expect(at).toBeGreaterThanOrEqual(0);
  expect(got.slice(0, at)).toEqual(Array.from({ length: at }, (_, i) => String(i))); // a gap-free prefix
  expect(got.slice(at + 1)).toEqual([]); // and nothing after the foreign message
  expect(w.acked).toBe(at);
});

test('a shared stream (other subjects take sequences): one publish at a time, each after the last acknowledged', async () => {
  await jsm.streams.add({ name: 'SH', subjects: ['sh.*'] });
  const w = new PublishWindow(jetstream(nc), false, 0, () => undefined);
  const js = jetstream(nc);
  for (let i = 0; i < 50; i++) {
    await w.publish({ subject: 'sh.sink', data: data(i), headers: headers(), msgID: `s${i}`, time: i });
    expect(w.acked).toBe(i + 1); // acknowledged before the next one is sent
    await js.publish('sh.other', data(i)); // interleaved on the stream, not on the sink's subject
  }
  await w.drain();
  expect(await stored('SH', 'sh.sink')).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  expect(w.lastSequence).toBe(99);
});
