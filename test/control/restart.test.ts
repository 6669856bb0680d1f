/**
 * CONTROL restart phases: two clients INSERT in a loop (recording every acknowledged write, its
 * timestamp and the order of requests and replies) while the environment process (coordinator,
 * timeline, sessions) is SIGKILLed and restarted, twice. After each restart, by phase:
 * every acknowledged write is present exactly once, a write refused definitely (no responders)
 * is absent, one of unknown outcome (timeout, indeterminate) is present at most once; the catalog
 * is intact and a materialized view and an indexed view equal a recomputation from their table;
 * timestamps never go back; the clients found their sessions gone, opened new ones and went on.
 */
import type { Results } from '../../protocol/control/response.js';
import type { DefiniteError } from '../../protocol/errors.js';
import type { Row } from '../../protocol/types.js';
import { Transport } from '../../runtime/transport.js';
import { eventually, setupNats, type TestNats } from '../helpers/nats.js';
import { logTail, startPlatform, type TestPlatform } from '../helpers/platform.js';
import { CLIENT_USER, connectClient, openSession, sorted, type SqlClient } from './sql-client.js';

const region = 'ctlrestart';
let nats: TestNats;
let p: TestPlatform;
/** Orders events of this process exactly (Date.now() cannot tell apart events in one ms). */
let tick = 0;

interface Ack { seq: number; ts: number; sent: number; acked: number }

/** A client INSERTing `(name, seq)` in a loop through its own session, reopening it when it is gone. */
class Writer {
  readonly acked: Ack[] = [];
  readonly unknown = new Set<number>();
  readonly refused = new Set<number>();
  readonly sessions: string[] = [];
  readonly errors: Array<{ code: string; at: number }> = [];
  private seq = 0;
  private subject: string | undefined;
  private paused = false;
  private idle = false;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(readonly name: string, private readonly t: Transport) {}

  start(): void {
    this.loop = this.run();
  }
  async pause(): Promise<void> {
    this.paused = true;
    await eventually(() => this.idle, `writer ${this.name} paused`);
  }
  resume(): void {
    this.paused = false;
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
  ackedSince(at: number): number {
    return this.acked.filter((a) => a.sent > at).length;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.idle = this.paused;
      if (this.paused) {
        await new Promise((r) => setTimeout(r, 25));
        continue;
      }
      if (!this.subject) {
        try {
          this.subject = (await openSession(this.t, region)).subject;
          this.sessions.push(this.subject);
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
        continue;
      }
      const seq = ++this.seq;
      const sent = ++tick;
      try {
        // The request timeout only classifies a write as of unknown outcome; it asserts nothing.
        const r = await this.t.request<Results>(this.subject, { type: 'Execute', sql: `INSERT INTO w VALUES ('${this.name}', ${seq})` }, { timeoutMs: 15_000 });
        this.acked.push({ seq, ts: r.results[0]!.timestamp!, sent, acked: ++tick });
      } catch (err) {
        const e = err as DefiniteError;
        this.errors.push({ code: e.code, at: ++tick });
        if (e.code === 'NoResponders') this.subject = undefined; // the session is gone: open a new one
        if (e.code === 'NoResponders' || e.determinacy === 'definite') this.refused.add(seq);
        else this.unknown.add(seq);
      }
    }
  }
}

let writers: Writer[];
let transports: Transport[];
let catalog: Row[];
let lastReadTs = 0;

beforeAll(async () => {
  nats = await setupNats();
  p = await startPlatform(nats, region);
  transports = await Promise.all(['a', 'b'].map((n) => Transport.connect({ servers: nats.url, name: `test-writer-${n}`, ...CLIENT_USER, timeoutMs: 120_000 })));
  writers = ['a', 'b'].map((n, i) => new Writer(n, transports[i]!));
});
afterAll(async () => {
  await Promise.all((writers ?? []).map((w) => w.stop()));
  await Promise.all((transports ?? []).map((t) => t.close()));
  await p?.cleanup();
  await nats?.cleanup();
});

/** Pauses the writers and checks every invariant against what they recorded; then resumes them. */
async function verify(phase: string): Promise<void> {
  await Promise.all(writers.map((w) => w.pause()));
  const c: SqlClient = await connectClient(nats, region);
  try {
    expect(await c.rows('SHOW OBJECTS')).toEqual(catalog);
    const [count, all] = await c.sql('SELECT count(*) FROM w; SELECT writer, seq FROM w');
    const rows = all!.rows!;
    expect(count!.rows).toEqual([[rows.length]]);
    const seen = new Map<string, number>();
    for (const [w, s] of rows) seen.set(`${w}:${s}`, (seen.get(`${w}:${s}`) ?? 0) + 1);
    expect([phase, [...seen].filter(([, n]) => n !== 1)]).toEqual([phase, []]);
    let maxAck = 0;
    for (const w of writers) {
      const present = (seq: number) => seen.has(`${w.name}:${seq}`);
      expect([phase, w.name, w.acked.filter((a) => !present(a.seq)).map((a) => a.seq)]).toEqual([phase, w.name, []]);
      expect([phase, w.name, [...w.refused].filter(present)]).toEqual([phase, w.name, []]);
      const known = new Set([...w.acked.map((a) => a.seq), ...w.unknown]);
      expect(rows.filter(([n, s]) => n === w.name && !known.has(s as number))).toEqual([]);
      // One session's writes: each committed after the previous one.
      w.acked.forEach((a, i) => i > 0 && expect(a.ts).toBeGreaterThan(w.acked[i - 1]!.ts));
      maxAck = Math.max(maxAck, ...w.acked.map((a) => a.ts));
    }
    // Across sessions and restarts: a write sent after another was acknowledged has a later timestamp.
    const acks = writers.flatMap((w) => w.acked);
    const backwards = acks.flatMap((x) => acks.filter((y) => y.sent > x.acked && y.ts <= x.ts).map((y) => [x, y]));
    expect([phase, backwards]).toEqual([phase, []]);
    // Reads: at or after every acknowledged write, and never before an earlier read.
    expect(all!.timestamp).toBeGreaterThanOrEqual(maxAck);
    expect(all!.timestamp).toBeGreaterThanOrEqual(lastReadTs);
    lastReadTs = all!.timestamp!;
    // The materialized view and the indexed view equal a recomputation from the table.
    const counts = new Map<string, number>();
    for (const [w] of rows) counts.set(w as string, (counts.get(w as string) ?? 0) + 1);
    expect(sorted(await c.rows('SELECT * FROM w_counts'))).toEqual(sorted([...counts]));
    expect(sorted(await c.rows('SELECT writer, count(*) FROM w GROUP BY writer'))).toEqual(sorted([...counts]));
    expect(sorted(await c.rows('SELECT * FROM w_a'))).toEqual(sorted(rows.filter(([w]) => w === 'a').map(([, s]) => [s])));
    expect(await c.rows('SELECT * FROM fixed ORDER BY k')).toEqual([[1, 'one'], [2, null]]);
  } finally {
    await c.close();
  }
  writers.forEach((w) => w.resume());
}

/** SIGKILLs the environment process while the writers write, and restarts it. */
async function killAndRestart(): Promise<void> {
  const before = await p.hosts();
  const sessions = writers.map((w) => w.sessions.length);
  const errors = writers.map((w) => w.errors.length);
  const mark = tick;
  await eventually(() => writers.every((w) => w.ackedSince(mark) >= 10), 'ten writes by each writer before the kill');
  const env = p.envProcess;
  const exited = new Promise((r) => env.once('exit', r));
  env.kill('SIGKILL');
  await exited;
  // Every writer notices: its session is gone (no responders) or its request has no answer.
  await eventually(() => writers.every((w, i) => w.errors.length > errors[i]!), 'writers saw the outage');
  await p.startEnv();
  const restarted = tick;
  await eventually(() => writers.every((w) => w.ackedSince(restarted) >= 10), `ten writes by each writer after the restart; env log: ${logTail(p, 'env-test.log')}`);
  for (const [i, w] of writers.entries()) {
    expect(w.sessions.length).toBeGreaterThan(sessions[i]!);
    expect(w.errors.slice(errors[i]!).map((e) => e.code)).toContain('NoResponders');
    // The old session is gone for good.
    await expect(transports[i]!.request(w.sessions[sessions[i]! - 1]!, { type: 'KeepAlive' })).rejects.toMatchObject({ code: 'NoResponders' });
  }
  // The storage host and the cluster process were adopted, not restarted.
  const after = await p.hosts();
  for (const h of before.filter((x) => x.hostId !== 'env')) expect(after.find((x) => x.hostId === h.hostId)?.pid).toBe(h.pid);
}

test('01-create: tables, views, an index; writers start', async () => {
  const c = await connectClient(nats, region);
  try {
    await c.sql('CREATE TABLE w (writer text NOT NULL, seq int NOT NULL); CREATE TABLE fixed (k int NOT NULL, v text)');
    await c.sql("INSERT INTO fixed VALUES (1, 'one'), (2, NULL)");
    await c.sql('CREATE MATERIALIZED VIEW w_counts AS SELECT writer, count(*) AS n FROM w GROUP BY writer');
    await c.sql("CREATE VIEW w_a AS SELECT seq FROM w WHERE writer = 'a'; CREATE INDEX w_a_idx ON w_a (seq)");
    catalog = await c.rows('SHOW OBJECTS');
    expect(catalog.map((r) => r[0])).toEqual(['fixed', 'w', 'w_a', 'w_a_idx', 'w_counts']);
  } finally {
    await c.close();
  }
  writers.forEach((w) => w.start());
  const mark = tick;
  await eventually(() => writers.every((w) => w.ackedSince(mark) >= 10), 'ten writes by each writer');
  await verify('01-create');
});

test('02-after-control-kill: the environment process SIGKILLed under writers and restarted', async () => {
  await killAndRestart();
  await verify('02-after-control-kill');
});

test('03-after-second-kill: again, with the sessions opened after the first restart', async () => {
  await killAndRestart();
  await verify('03-after-second-kill');
});

test('04-after-restarts: clients keep writing; everything acknowledged is there exactly once', async () => {
  const mark = tick;
  await eventually(() => writers.every((w) => w.ackedSince(mark) >= 10), 'ten more writes by each writer');
  await verify('04-after-restarts');
  const total = writers.reduce((n, w) => n + w.acked.length, 0);
  expect(total).toBeGreaterThanOrEqual(2 * 50);
  await Promise.all(writers.map((w) => w.stop()));
});
