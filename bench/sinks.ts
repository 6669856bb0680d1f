/**
 * JetStream sink throughput (`npm run bench -- --only sinks`, issue #19): a table of ROWS rows
 * sunk with ENVELOPE UPSERT into a stream of its own, timed from CREATE SINK until SHOW SINK
 * STATUSES counts every message acknowledged. Baselines from the same run, on the same
 * nats-server: the same number of messages published one at a time, each waiting for its ack
 * (what the sink did before its window of in-flight publishes), and all of them published at once
 * without fencing (what JetStream itself takes).
 */
import { headers } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connectClient, startControlPlatform } from './control.js';
import { figure, type Figure } from './figure.js';

const ROWS = Number(process.env['DFN_BENCH_SINK_ROWS'] ?? 50_000);

export async function benchSinks(): Promise<Figure[]> {
  const p = await startControlPlatform();
  const c = await connectClient(p.url, 'bench-sinks');
  try {
    await c.sql('CREATE TABLE t (k int NOT NULL, v text NOT NULL)');
    await c.sql(`INSERT INTO t SELECT g, 'value ' || g FROM generate_series(1, ${ROWS}) AS g`);
    const t0 = performance.now();
    await c.sql(`CREATE SINK s FROM t INTO JETSTREAM STREAM 'BENCH_SINK' KEY (k) FORMAT JSON ENVELOPE UPSERT`);
    for (;;) {
      const [status] = (await c.sql('SHOW SINK STATUSES'))[0]!.rows as unknown[][];
      if (status?.[2] === 'stalled') throw new Error(`the sink stalled: ${String(status[3])}`);
      if (Number(status?.[6]) >= ROWS) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const sinkRate = ROWS / ((performance.now() - t0) / 1000);

    const jsm = await jetstreamManager(p.transport.nc);
    const js = jetstream(p.transport.nc);
    const payload = (i: number) => new TextEncoder().encode(JSON.stringify({ k: i, v: `value ${i}` }));
    await jsm.streams.add({ name: 'BENCH_SEQ', subjects: ['bench.seq'] });
    const n = Math.min(ROWS, 10_000);
    const s0 = performance.now();
    let last = 0;
    for (let i = 0; i < n; i++) {
      const ack = await js.publish('bench.seq', payload(i), { msgID: `q${i}`, expect: { lastSubjectSequence: last }, headers: headers() });
      last = ack.seq;
    }
    const sequential = n / ((performance.now() - s0) / 1000);
    await jsm.streams.add({ name: 'BENCH_RAW', subjects: ['bench.raw'] });
    const r0 = performance.now();
    const acks = [];
    for (let i = 0; i < ROWS; i++) acks.push(js.publish('bench.raw', payload(i), { msgID: `r${i}` }));
    await Promise.all(acks);
    const raw = ROWS / ((performance.now() - r0) / 1000);
    return [
      figure(`upsert sink of a ${ROWS.toLocaleString('en-US')}-row table, CREATE SINK to every message acknowledged`, sinkRate, 'messages/s',
        { name: 'fenced publishes one at a time (each awaits its ack)', value: sequential }),
      figure('the same messages published all at once, unfenced (JetStream alone)', raw, 'messages/s'),
    ];
  } finally {
    await c.close().catch(() => undefined);
    await p.stop();
  }
}
