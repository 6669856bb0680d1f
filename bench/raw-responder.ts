/**
 * The raw request/reply baseline's responder in a process of its own (as any NATS service is to
 * its clients): a plain subscriber that decodes the msgpack body and replies with msgpack, no
 * actor, no envelope. `node --import tsx bench/raw-responder.ts <nats url> <subject>`; it runs
 * until killed (bench/control.ts kills it on the way out).
 */
import { Transport } from '../runtime/transport.js';
import { decode, encode } from '../protocol/codec.js';

const [url, subject] = process.argv.slice(2);
if (!url || !subject) throw new Error('usage: raw-responder.ts <nats url> <subject>');
const t = await Transport.connect({ servers: url, name: 'bench:raw-process', user: 'platform', pass: 'platform-secret' });
t.nc.subscribe(subject, { callback: (_e, m) => void m.respond(encode({ type: 'Echoed', payload: (decode(m.data) as { payload: unknown }).payload })) });
await t.nc.flush();
