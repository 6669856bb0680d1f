/**
 * Bad input on any subject gets a typed error reply and the actor keeps serving: malformed
 * msgpack, schema violations, unknown message types, oversized payloads, wrong protocol versions,
 * and bad runtime commands to a host.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { Host } from '../../runtime/host.js';
import { Transport } from '../../runtime/transport.js';
import { counterKind } from '../../actors/demo/counter.js';
import { encode, decode } from '../../protocol/codec.js';
import { actorSubject, hostSubject } from '../../protocol/subjects.js';
import { Header } from '../../protocol/envelope.js';
import { DefiniteError } from '../../protocol/errors.js';
import { setupNats, PLATFORM_USER, type TestNats } from '../helpers/nats.js';

let nats: TestNats;
let host: Host;
let t: Transport;
let dir: string;
const subject = actorSubject('bad', 'sys', 'counter', 'c1');

beforeAll(async () => {
  nats = await setupNats();
  dir = mkdtempSync(join(tmpdir(), 'dfn-bad-'));
  host = await Host.start({ hostId: 'h1', region: 'bad', servers: nats.url, ...PLATFORM_USER, dataDir: dir, kinds: [counterKind] });
  await host.startActor({ kind: 'counter', id: 'c1' });
  t = await Transport.connect({ servers: nats.url, name: 'test:bad', ...PLATFORM_USER });
  await t.request(subject, { type: 'Increment', by: 3 });
});
afterAll(async () => {
  await t.close();
  await host.shutdown();
  await nats.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends raw bytes with optional headers and returns the error code header and decoded body. */
async function raw(data: Uint8Array, hdrs: Record<string, string> = {}, to = subject) {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(hdrs)) h.set(k, v);
  const reply = await t.nc.request(to, data, { timeout: 5000, headers: h });
  return { code: reply.headers?.get(Header.Error), body: decode(reply.data) as { type: string; code: string; message: string } };
}

async function stillServing() {
  const r = await t.request<{ type: string; value: number }>(subject, { type: 'GetCount' });
  expect(r.value).toBe(3);
}

test('malformed msgpack', async () => {
  const r = await raw(Uint8Array.from([0xc1, 0xff, 0x00]));
  expect(r.code).toBe('MalformedMessage');
  expect(r.body).toMatchObject({ type: 'Error', code: 'MalformedMessage' });
  await stillServing();
});

test('schema violation', async () => {
  const r = await raw(encode({ type: 'Increment', by: 'lots' }), { [Header.Type]: 'Increment' });
  expect(r.code).toBe('SchemaViolation');
  expect(r.body.message).toMatch(/\/by/);
  const extra = await raw(encode({ type: 'Increment', by: 1, evil: true }));
  expect(extra.code).toBe('SchemaViolation');
  await stillServing();
});

test('unknown message type', async () => {
  const r = await raw(encode({ type: 'Explode' }), { [Header.Type]: 'Explode' });
  expect(r.code).toBe('UnknownMessageType');
  expect(r.body.message).toMatch(/Increment/);
  await stillServing();
});

test('header type disagreeing with the body, and a foreign protocol version', async () => {
  expect((await raw(encode({ type: 'GetCount' }), { [Header.Type]: 'Increment' })).code).toBe('SchemaViolation');
  expect((await raw(encode({ type: 'GetCount' }), { [Header.Version]: '99' })).code).toBe('VersionMismatch');
  await stillServing();
});

test('oversized payload', async () => {
  const big = encode({ type: 'Echo', payload: 'x'.repeat(t.maxPayload + 10) });
  const r = await raw(big, { [Header.Type]: 'Echo' });
  expect(r.code).toBe('PayloadTooLarge');
  // The sending side refuses too, with the same typed error and nothing sent.
  await expect(t.request(subject, { type: 'Echo', payload: 'x'.repeat(t.maxPayload + 10) })).rejects.toMatchObject({ code: 'PayloadTooLarge' });
  await stillServing();
});

test('a typed error survives the wire as its own class', async () => {
  const err = await t.request(subject, { type: 'Bogus' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DefiniteError);
  expect((err as DefiniteError).name).toBe('UnknownMessageTypeError');
});

test('requests to an actor that does not exist get NoResponders', async () => {
  await expect(t.request(actorSubject('bad', 'sys', 'counter', 'ghost'), { type: 'GetCount' })).rejects.toMatchObject({ code: 'NoResponders' });
});

test('bad host commands: unknown kind, unknown actor, malformed', async () => {
  await expect(t.request(hostSubject('bad', 'h1'), { type: 'StartActor', actor: { kind: 'nope', id: 'x' } })).rejects.toMatchObject({ code: 'NotFound' });
  await expect(t.request(hostSubject('bad', 'h1'), { type: 'KillActor', id: 'ghost' })).rejects.toMatchObject({ code: 'NotFound' });
  await expect(t.request(hostSubject('bad', 'h1'), { type: 'StartActor', actor: { kind: 'counter', id: 'has.dot' } })).rejects.toMatchObject({
    code: 'SchemaViolation',
  });
  expect((await raw(Uint8Array.from([0xc1]), {}, hostSubject('bad', 'h1'))).code).toBe('MalformedMessage');
  await stillServing();
  expect(host.cell('has.dot')).toBeUndefined();
});
