/**
 * End to end on the JetStream shard backend (`DFN_STORAGE=jetstream`): a platform (environment
 * process, storage host, cluster) whose collections keep their shards in the region's JetStream
 * buckets: CREATE TABLE, INSERT, SELECT; the storage host SIGKILLed and restarted by its
 * orchestrator; the same rows afterwards, and writes go on.
 */
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { jetstream } from '@nats-io/jetstream';
import { eventually, PLATFORM_USER, setupSyncedNats, type TestNats } from '../helpers/nats.js';
import { runningHostPid, startPlatform, type TestPlatform } from '../helpers/platform.js';
import { connectClient, sorted, type SqlClient } from '../control/sql-client.js';
import { signal } from '../../runtime/process-util.js';

const region = 'jssql';
let nats: TestNats;
let p: TestPlatform;
let c: SqlClient;

beforeAll(async () => {
  nats = await setupSyncedNats();
  p = await startPlatform(nats, region, { DFN_STORAGE: 'jetstream' });
  c = await connectClient(nats, region);
});
afterAll(async () => {
  await c?.close();
  await p?.cleanup();
  await nats?.cleanup();
});

const storagePid = () => runningHostPid(p, 'storage-0');

test('CREATE TABLE, INSERT, SELECT, storage host SIGKILLed: the rows are served again from JetStream', async () => {
  await c.sql('CREATE TABLE t (k int, v text)');
  await c.sql("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
  await c.sql("INSERT INTO t VALUES (3, 'three')");
  const before = [
    [1, 'one'],
    [2, 'two'],
    [3, 'three'],
  ];
  expect(sorted(await c.rows('SELECT k, v FROM t'))).toEqual(before);

  // The shards are in the region's KV bucket, not only in the host's LevelDB.
  const nc = await connect({ servers: nats.url, ...PLATFORM_USER });
  const kv = await new Kvm(jetstream(nc)).open(`dfn_${region}_shards`, { bindOnly: true });
  const keys: string[] = [];
  for await (const k of await kv.keys()) keys.push(k);
  await nc.close();
  expect(keys.some((k) => k.startsWith('collection/'))).toBe(true);

  const pid = await storagePid();
  expect(pid).toBeGreaterThan(0);
  signal(pid, 'SIGKILL');
  await eventually(async () => {
    const now = await storagePid();
    return now !== 0 && now !== pid;
  }, 'the storage host restarted');
  expect(sorted(await eventually(async () => {
    const rows = await c.rows('SELECT k, v FROM t');
    return rows.length > 0 ? rows : undefined;
  }, 'SELECT after the restart'))).toEqual(before);
  await c.sql("INSERT INTO t VALUES (4, 'four')");
  expect(sorted(await c.rows('SELECT k, v FROM t'))).toEqual([...before, [4, 'four']]);
});
