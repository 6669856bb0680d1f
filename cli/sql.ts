/**
 * `definite sql ["STATEMENT; ..."] [--format table|csv|json]`: the SQL client. With a statement it
 * runs it and exits (non-zero on error); without, it is an interactive prompt. SUBSCRIBE prints
 * updates as they come until Ctrl-C. It connects as the `client` user of nats.conf to the platform
 * that `npm start` started from this directory (same defaults), so it needs no flags there.
 */
import { createInterface } from 'node:readline';
import { createInbox } from '@nats-io/transport-node';
import { loadConfig } from '../runtime/config.js';
import { Transport } from '../runtime/transport.js';
import { connectSubject } from '../protocol/control/subjects.js';
import type { Results, SessionOpened, SubscribeBatch, SubscribeStarted } from '../protocol/control/response.js';
import { DefiniteError } from '../protocol/errors.js';
import { decode } from '../protocol/codec.js';
import { flag, type ParsedArgs } from './args.js';
import { formatResult, shown, type Format } from './format.js';

export async function sqlCommand(args: ParsedArgs): Promise<void> {
  const config = loadConfig();
  const format = (flag(args, 'format') ?? 'table') as Format;
  if (!['table', 'csv', 'json'].includes(format)) throw new Error('--format must be table, csv or json');
  const t = await Transport.connect({
    servers: config.natsUrl,
    name: 'cli:sql',
    user: process.env['DFN_CLIENT_USER'] ?? 'client',
    pass: process.env['DFN_CLIENT_PASS'] ?? 'client-secret',
    timeoutMs: 60_000,
  });
  const session = await t.request<SessionOpened>(connectSubject(config.region), { type: 'OpenSession', client: 'definite sql' });
  const keepAlive = setInterval(() => void t.request(session.subject, { type: 'KeepAlive' }).catch(() => undefined), 20_000);
  keepAlive.unref();
  const run = async (sql: string): Promise<boolean> => {
    try {
      if (/^\s*subscribe\b/i.test(sql)) {
        await subscribe(t, session.subject, sql.trim().replace(/;\s*$/, ''), format);
        return true;
      }
      const res = await t.request<Results>(session.subject, { type: 'Execute', sql });
      for (const r of res.results) console.log(formatResult(r, format));
      return true;
    } catch (err) {
      const e = err as DefiniteError;
      const state = e.details?.['sqlstate'] ? ` (SQLSTATE ${String(e.details['sqlstate'])})` : '';
      console.error(`ERROR: ${e.message}${state}`);
      return false;
    }
  };
  const statement = args.positional.join(' ').trim();
  if (statement) {
    const ok = await run(statement);
    await t.request(session.subject, { type: 'CloseSession' }).catch(() => undefined);
    await t.close();
    process.exit(ok ? 0 : 1);
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'definite=> ' });
  let buffer = '';
  rl.prompt();
  for await (const line of rl) {
    buffer += line + '\n';
    if (/;\s*$/.test(line) || buffer.trim() === '\\q') {
      if (buffer.trim() === '\\q') break;
      await run(buffer);
      buffer = '';
    }
    rl.setPrompt(buffer ? 'definite-> ' : 'definite=> ');
    rl.prompt();
  }
  await t.request(session.subject, { type: 'CloseSession' }).catch(() => undefined);
  await t.close();
}

async function subscribe(t: Transport, subject: string, sql: string, format: Format): Promise<void> {
  const inbox = createInbox();
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  let columns: string[] = [];
  let types: string[] = [];
  const sub = t.subscribe(inbox, (m) => {
    const b = decode(m.data) as SubscribeBatch;
    for (const [raw, time, diff] of b.updates) {
      const row = shown(raw, types);
      if (format === 'json') console.log(JSON.stringify({ mz_timestamp: time, mz_diff: diff, ...Object.fromEntries(columns.map((c, i) => [c, row[i] ?? null])) }));
      else console.log([time, diff, ...row.map((v) => (v === null ? (format === 'csv' ? '' : 'NULL') : String(v)))].join(format === 'csv' ? ',' : '\t'));
    }
    if (b.progress !== undefined && format !== 'json') console.log(`-- progress ${b.progress}`);
    void t.request(subject, { type: 'Credit', subscription: b.subscription, batches: 1 }).catch(() => undefined);
    if (b.ended) {
      console.error(`-- subscription ended: ${b.ended}`);
      done();
    }
  });
  const started = await t.request<SubscribeStarted>(subject, { type: 'Subscribe', sql, inbox, progress: true, credit: 16 });
  columns = started.columns.map((c) => c.name);
  types = started.columns.map((c) => c.type);
  console.log(format === 'csv' ? ['mz_timestamp', 'mz_diff', ...columns].join(',') : format === 'table' ? ['mz_timestamp', 'mz_diff', ...columns].join('\t') : '');
  const stop = () => void t.request(subject, { type: 'Cancel', subscription: started.subscription }).catch(() => undefined).then(done);
  process.once('SIGINT', stop);
  await finished;
  sub.unsubscribe();
}
