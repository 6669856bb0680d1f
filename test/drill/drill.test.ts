/**
 * The restart chaos drill as a test: a short `all-faults` drill (every fault kind at least once,
 * against real nats-server and platform processes, on one server and on a cluster of three) must
 * find no violation, with an upsert source, a webhook source and a PostgreSQL CDC source (this run's private server
 * with wal_level=logical) beside the tables and sinks; a deliberately broken drill (a subscriber
 * that loses an update, a write counted as acknowledged that was never sent, a PostgreSQL table
 * taken out of its publication) must report exactly those violations, so the validations are
 * shown able to fail.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../runtime/nats-server.js';
import { privateLogicalClusterPort } from '../helpers/postgres-cluster.js';

interface Report {
  seed: number;
  steps: number;
  faults: Record<string, number>;
  violations: Array<{ step: number; kind: string; detail: string }>;
  writesAcknowledged: number;
  writesFound: number;
  upstreamRereads: number;
  sqlTables: number;
  sinkMessages: number;
  upsertMessages: number;
  pgTransactions: number;
  webhookPosts: number;
  sqlWritesAcknowledged: number;
}

const FAULT_KINDS = [
  'kill-storage-host',
  'kill-cluster-host',
  'kill-env',
  'clean-restart',
  'clean-restart-storage-host',
  'clean-restart-cluster-host',
  'restart-nats',
  'pause-storage-host',
];

/** Runs `drill/main.ts` as a child process and parses the last line of its output. */
function drill(args: string[], env: Record<string, string> = {}): Promise<{ report: Report; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'drill', 'main.ts'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      const last = output.trim().split('\n').pop() ?? '';
      try {
        resolve({ report: JSON.parse(last) as Report, output });
      } catch {
        reject(new Error(`the drill printed no report:\n${output.slice(-3000)}`));
      }
    });
  });
}

/** This run's private PostgreSQL server with wal_level=logical, for the drill's CDC source. */
let pgPort: string;
beforeAll(async () => {
  pgPort = String(await privateLogicalClusterPort());
});

describe('restart chaos drill', () => {
  test.each([
    ['one nats-server', ['--seed', '7']],
    ['a cluster of three nats-servers', ['--seed', '11', '--nats-cluster', '3']],
  ])('a short drill with every fault kind finds no violation (%s)', async (_name, args) => {
    const { report, output } = await drill([...args, '--steps', '20', '--scenario', 'all-faults', '--postgres-port', pgPort]);
    if (report.violations.length > 0) console.log(output);
    expect(report.violations).toEqual([]);
    for (const kind of FAULT_KINDS) expect(report.faults[kind]).toBeGreaterThanOrEqual(1);
    expect(report.writesAcknowledged).toBeGreaterThan(0);
    expect(report.writesFound).toBe(report.writesAcknowledged);
    expect(report.upstreamRereads).toBe(0);
    // the SQL workload ran through CONTROL: a table with its materialized view and SUBSCRIBE
    expect(report.sqlTables).toBeGreaterThanOrEqual(1);
    expect(report.sqlWritesAcknowledged).toBeGreaterThan(0);
    // a sink of a table's view published through the faults, checked exactly once (drill/sql-sinks.ts)
    expect(report.sinkMessages).toBeGreaterThan(0);
    // an upsert source and a PostgreSQL CDC source ingested through the faults, each equal to its upstream (drill/sql-upstreams.ts)
    expect(report.upsertMessages).toBeGreaterThan(0);
    expect(report.pgTransactions).toBeGreaterThan(0);
    expect(report.webhookPosts).toBeGreaterThan(0);
  });

  test('a broken drill reports the violations it was given', async () => {
    const { report } = await drill(['--seed', '2', '--steps', '12', '--scenario', 'storage-only', '--postgres-port', pgPort], { DFN_DRILL_INJECT: 'drop-subscriber-update,phantom-ack,pg-unpublish' });
    const kinds = new Set(report.violations.map((v) => v.kind));
    expect(kinds.has('upsert-mismatch')).toBe(true); // a set counted that was never published
    expect(kinds.has('pg-source-mismatch')).toBe(true); // the table left the publication
    expect(kinds.has('webhook-lost')).toBe(true); // a POST counted that was never sent
    expect(kinds.has('subscription-gap') || kinds.has('subscription-duplicate')).toBe(true);
    expect(kinds.has('write-lost')).toBe(true);
    // both layers' checks fired: the STORAGE subscriber and table, and the SQL ones (tables t<n>)
    const details = report.violations.map((v) => v.detail);
    expect(details.some((d) => /^t\d+_agg:/.test(d))).toBe(true);
    expect(details.some((d) => /^t\d+:/.test(d))).toBe(true);
    expect(report.writesFound).toBeLessThan(report.writesAcknowledged);
  });
});
