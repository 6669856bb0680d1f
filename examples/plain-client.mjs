// A definite client that uses only a NATS client and a msgpack library — none of definite's code —
// to show what a client in any language has to do (see README "The protocol").
//
//   node examples/plain-client.mjs "CREATE TABLE t (a int); INSERT INTO t VALUES (1); SELECT * FROM t"
//   node examples/plain-client.mjs --subscribe "SUBSCRIBE t WITH (PROGRESS)"
//
// Environment: DFN_NATS_URL (default nats://127.0.0.1:4290), DFN_REGION (default local),
// DFN_CLIENT_USER / DFN_CLIENT_PASS (default client / client-secret from nats.conf).
import { connect, headers, createInbox } from '@nats-io/transport-node';
import { pack, unpack } from 'msgpackr';

const url = process.env.DFN_NATS_URL ?? 'nats://127.0.0.1:4290';
const region = process.env.DFN_REGION ?? 'local';

/** One request: msgpack body, Dfn-Type and Dfn-Version headers; an error reply carries Dfn-Error. */
async function request(nc, subject, body) {
  const h = headers();
  h.set('Dfn-Type', body.type);
  h.set('Dfn-Version', '1');
  const reply = await nc.request(subject, pack(body), { headers: h, timeout: 60_000 });
  const decoded = unpack(reply.data);
  const code = reply.headers?.get('Dfn-Error');
  if (code) {
    const err = new Error(`${code}: ${decoded.message}${decoded.details?.sqlstate ? ` (SQLSTATE ${decoded.details.sqlstate})` : ''}`);
    err.code = code;
    err.details = decoded.details;
    throw err;
  }
  return decoded;
}

const args = process.argv.slice(2);
const subscribeMode = args[0] === '--subscribe';
const sql = (subscribeMode ? args.slice(1) : args).join(' ');
if (!sql) {
  console.error('usage: node examples/plain-client.mjs [--subscribe] "SQL"');
  process.exit(2);
}

const nc = await connect({
  servers: url,
  user: process.env.DFN_CLIENT_USER ?? 'client',
  pass: process.env.DFN_CLIENT_PASS ?? 'client-secret',
  name: 'plain-client',
});
// 1. Open a session: the reply names the subject of every further request.
const session = await request(nc, `dfn.${region}.control.connect`, { type: 'OpenSession', client: 'plain-client' });

if (!subscribeMode) {
  // 2. Execute: one result per statement (tag, columns, rows), or an error reply with a SQLSTATE.
  try {
    const { results } = await request(nc, session.subject, { type: 'Execute', sql });
    console.log(JSON.stringify(results));
  } catch (err) {
    console.error(err.message);
    process.exitCode = 1;
  }
  await request(nc, session.subject, { type: 'CloseSession' });
  await nc.drain();
} else {
  // 3. SUBSCRIBE: batches stream to an inbox we subscribe to; we grant credit as we consume.
  const inbox = createInbox();
  const max = Number(process.env.DFN_MAX_BATCHES ?? 1e9);
  let seen = 0;
  const sub = nc.subscribe(inbox);
  const started = await request(nc, session.subject, { type: 'Subscribe', sql, inbox, progress: true, credit: 8 });
  console.log(JSON.stringify({ columns: started.columns, asOf: started.asOf }));
  for await (const m of sub) {
    const batch = unpack(m.data);
    console.log(JSON.stringify({ updates: batch.updates, progress: batch.progress ?? null }));
    await request(nc, session.subject, { type: 'Credit', subscription: batch.subscription, batches: 1 });
    if (batch.ended || ++seen >= max) break;
  }
  await request(nc, session.subject, { type: 'Cancel', subscription: started.subscription }).catch(() => {});
  await nc.drain();
}
