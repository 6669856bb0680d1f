/**
 * The drill's sinks: `create-sql-sink` gives a drill table's materialized view an upsert sink into
 * a JetStream stream of its own; after every step the drill reads what the sink added to the
 * stream and checks it is exactly once (each time's messages are indexes 0..n-1, once each, in
 * order; times increase: `sink-gap`, `sink-duplicate`, `sink-order`), and that replaying the stream
 * (the last value per key, tombstones delete) gives the view's contents once the sink has caught
 * up (`sink-mismatch`).
 */
import { SINK_HEADERS } from '../protocol/storage/sink.js';
import type { DrillContext } from './context.js';
import type { SqlTableModel } from './sql-model.js';
import { insertBurst, sortRows } from './sql-actions.js';
import { until } from './until.js';

export class SinkModel {
  /** Keys (JSON) to their rows `[g, n, s]` as the stream says. */
  readonly state = new Map<string, unknown[]>();
  lastSeq = 0;
  lastTime = -1;
  /** Within a time: the next index expected and the time's count. */
  next = 0;
  count = 0;
  messages = 0;

  constructor(
    readonly name: string,
    readonly stream: string,
    readonly subject: string,
  ) {}
}

export async function createSink(ctx: DrillContext, m: SqlTableModel): Promise<string> {
  const name = `${m.name}_sink`;
  const stream = `DRILL_${m.name.toUpperCase()}_SINK`;
  const subject = `drill.${m.name}.sink`;
  await ctx.sqlA.read(`CREATE SINK IF NOT EXISTS ${name} FROM ${m.view} INTO JETSTREAM STREAM '${stream}' SUBJECT '${subject}' KEY (g) FORMAT JSON ENVELOPE UPSERT`);
  m.sink = new SinkModel(name, stream, subject);
  // the sink gets changes to publish at once, whatever the table held
  const inserted = await insertBurst(ctx, m);
  return `created upsert sink ${name} of ${m.view} into ${stream}; ${inserted}`;
}

/** Reads the messages the sink added since the last check, checking their order. */
async function readNew(ctx: DrillContext, s: SinkModel): Promise<void> {
  const info = await ctx.jsm.streams.info(s.stream).catch(() => undefined);
  if (!info) return; // not created yet by the sink
  for (let seq = Math.max(s.lastSeq + 1, info.state.first_seq); seq <= info.state.last_seq; seq++) {
    const msg = await ctx.jsm.streams.getMessage(s.stream, { seq });
    s.lastSeq = seq;
    if (!msg || msg.subject !== s.subject) continue;
    s.messages++;
    const t = Number(msg.header?.get(SINK_HEADERS.time));
    const i = Number(msg.header?.get(SINK_HEADERS.index));
    const n = Number(msg.header?.get(SINK_HEADERS.count));
    const where = `${s.name}: stream sequence ${seq} (time ${t}, ${i + 1} of ${n})`;
    if (s.next < s.count) {
      if (t !== s.lastTime || n !== s.count) ctx.violate('sink-gap', `${where}: time ${s.lastTime} ended after ${s.next} of its ${s.count} messages`);
      else if (i < s.next) ctx.violate('sink-duplicate', `${where}: index ${i} again`);
      else if (i > s.next) ctx.violate('sink-gap', `${where}: indexes ${s.next}..${i - 1} missing`);
    } else if (t <= s.lastTime) ctx.violate(t === s.lastTime ? 'sink-duplicate' : 'sink-order', `${where}: after time ${s.lastTime} was complete`);
    else if (i !== 0) ctx.violate('sink-gap', `${where}: a new time must start at index 0`);
    s.lastTime = t;
    s.count = n;
    s.next = i + 1;
    const key = msg.header?.get(SINK_HEADERS.key) ?? '';
    if (msg.data.length === 0) s.state.delete(key);
    else {
      const row = JSON.parse(new TextDecoder().decode(msg.data)) as { g: unknown; n: unknown; s: unknown };
      s.state.set(key, [row.g, row.n, row.s]);
    }
  }
}

/** The stream's checks for every table with a sink. */
export async function checkSinks(ctx: DrillContext): Promise<void> {
  for (const m of ctx.sql.tables.values()) {
    const s = m.sink;
    if (!s) continue;
    let view: unknown[][] = [];
    try {
      await until(async () => {
        await readNew(ctx, s);
        view = (await ctx.sqlB.rows(`SELECT g, n, s FROM ${m.view}`)).rows;
        return JSON.stringify(sortRows([...s.state.values()])) === JSON.stringify(sortRows(view));
      }, `${s.name} caught up with ${m.view}`, 60_000, 100);
    } catch {
      ctx.violate('sink-mismatch', `${s.name}: replaying ${s.messages} messages gives ${JSON.stringify(sortRows([...s.state.values()]))}, ${m.view} reads ${JSON.stringify(sortRows(view))}`);
    }
  }
}
