/**
 * The floor of an append as this architecture does it, with no definite code: a process of its
 * own that subscribes to a subject and, for each request, writes the bytes it received and a small
 * meta to LevelDB in one batch (the same sync setting) and replies; it checks nothing, keeps no
 * actor, no envelope, no compare-and-append. `node --import tsx bench/bare-appender.ts <nats url>
 * <subject> <dir> <sync: true|false>`; it prints "ready" and runs until killed.
 */
import { Level } from 'level';
import { connect } from '@nats-io/transport-node';
import { encode } from '../protocol/codec.js';

const [url, subject, dir, syncArg] = process.argv.slice(2);
if (!url || !subject || !dir) throw new Error('usage: bare-appender.ts <nats url> <subject> <dir> <sync>');
const sync = syncArg !== 'false';
const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
await db.open();
const nc = await connect({ servers: url, name: 'bench:bare-appender', user: 'platform', pass: 'platform-secret' });
let n = 0;
nc.subscribe(subject, {
  callback: (_e, m) => {
    const t = ++n;
    // A copy: the message's bytes may be a view of a buffer nats.js reuses.
    const value = m.data.slice();
    void db.batch([{ type: 'put', key: `b/${String(t).padStart(12, '0')}`, value }, { type: 'put', key: 'meta', value: encode({ upper: t + 1 }) }], { sync }).then(() => m.respond(encode({ upper: t + 1 })));
  },
});
await nc.flush();
console.log('ready');
