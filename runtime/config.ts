/**
 * Process configuration from the environment, with the embedded defaults: region `local`, data in
 * `<project>/data`, NATS on 127.0.0.1:4290 as the `platform` user of nats.conf.
 *
 * | variable          | default                     |
 * | ----------------- | --------------------------- |
 * | DFN_REGION        | local                       |
 * | DFN_DATA_DIR      | <project>/data              |
 * | DFN_NATS_URL      | nats://127.0.0.1:4290       |
 * | DFN_NATS_USER     | platform                    |
 * | DFN_NATS_PASS     | platform-secret             |
 * | DFN_NATS_PORT     | 4290 (when definite starts NATS) |
 * | DFN_NATS_HTTP_PORT| 8290                        |
 * | DFN_NATS_WS_PORT  | 4291                        |
 * | DFN_SYNC          | true (fsync every group commit) |
 * | DFN_STORAGE       | leveldb (the shard backend of the region: `leveldb`, or `jetstream`: docs/storage.md, "Storage backends") |
 * | DFN_STORAGE_REPLICAS | 1 (replicas of the JetStream backend's buckets; 3 on a cluster of three) |
 * | DFN_WATCH_SUCCESSORS | 1 (jetstream only: a host process exits when a later one heartbeats as its host id; 0: only the fence stops it; read by cli/host.ts) |
 * | DFN_NATS_MONITOR_URL | http://127.0.0.1:<DFN_NATS_HTTP_PORT> (NATS monitoring, read by the inspector) |
 * | DFN_INSPECTOR_PORT | 8291 (the inspector web page, on 127.0.0.1) |
 * | DFN_INSPECTOR_USER / DFN_INSPECTOR_PASS | inspector / inspector-secret (read-only NATS user) |
 * | DFN_OPERATOR_USER / DFN_OPERATOR_PASS | operator / operator-secret (NATS user for the inspector's actions) |
 * | DFN_PGWIRE_PORT   | 6875 (the Postgres wire protocol front end, on 127.0.0.1; 0: any free port, written to <data dir>/pgwire.port) |
 * | DFN_PGWIRE_AUTH   | scram-sha-256 (pg password users: SCRAM-SHA-256; `password`: cleartext) |
 * | DFN_PGWIRE_TLS_CERT / DFN_PGWIRE_TLS_KEY | (none) PEM files: pgwire answers SSLRequest with TLS |
 * | DFN_NATS_CONF     | <project>/nats.conf (the accounts and users the pg users come from) |
 * | DFN_WEBHOOK_PORT  | 6876 (webhook sources' HTTP front end, on 127.0.0.1; 0: any free port, written to <data dir>/webhook.port) |
 * | DFN_HOST_NODE_ARGS | (none) extra node flags for host processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` |
 * | DFN_ENV_NODE_ARGS | (none) extra node flags for the environment process (`definite up` starts it), the same way |
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from './nats-server.js';

export interface PlatformConfig {
  region: string;
  dataDir: string;
  natsUrl: string;
  natsUser: string;
  natsPass: string;
  natsPort: number;
  natsHttpPort: number;
  natsWsPort: number;
  sync: boolean;
  natsMonitorUrl: string;
  inspectorPort: number;
  inspectorUser: string;
  inspectorPass: string;
  operatorUser: string;
  operatorPass: string;
  pgwirePort: number;
  pgwireAuth: string;
  pgwireTlsCert: string | undefined;
  pgwireTlsKey: string | undefined;
  natsConf: string;
  webhookPort: number;
  storage: StorageBackend;
  storageReplicas: number;
}

/** Where the region's shards live (docs/storage.md, "Storage backends"). */
export type StorageBackend = 'leveldb' | 'jetstream';

function storageBackend(value: string | undefined): StorageBackend {
  const v = value || 'leveldb';
  if (v !== 'leveldb' && v !== 'jetstream') throw new Error(`DFN_STORAGE must be leveldb or jetstream, not ${JSON.stringify(v)}`);
  return v;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const natsPort = Number(env['DFN_NATS_PORT'] ?? 4290);
  const natsHttpPort = Number(env['DFN_NATS_HTTP_PORT'] ?? 8290);
  return {
    region: env['DFN_REGION'] ?? 'local',
    dataDir: env['DFN_DATA_DIR'] ?? join(PROJECT_ROOT, 'data'),
    natsUrl: env['DFN_NATS_URL'] ?? `nats://127.0.0.1:${natsPort}`,
    natsUser: env['DFN_NATS_USER'] ?? 'platform',
    natsPass: env['DFN_NATS_PASS'] ?? 'platform-secret',
    natsPort,
    natsHttpPort,
    natsWsPort: Number(env['DFN_NATS_WS_PORT'] ?? 4291),
    sync: (env['DFN_SYNC'] ?? 'true') !== 'false',
    natsMonitorUrl: env['DFN_NATS_MONITOR_URL'] ?? `http://127.0.0.1:${natsHttpPort}`,
    inspectorPort: Number(env['DFN_INSPECTOR_PORT'] ?? 8291),
    inspectorUser: env['DFN_INSPECTOR_USER'] ?? 'inspector',
    inspectorPass: env['DFN_INSPECTOR_PASS'] ?? 'inspector-secret',
    operatorUser: env['DFN_OPERATOR_USER'] ?? 'operator',
    operatorPass: env['DFN_OPERATOR_PASS'] ?? 'operator-secret',
    pgwirePort: Number(env['DFN_PGWIRE_PORT'] ?? 6875),
    pgwireAuth: env['DFN_PGWIRE_AUTH'] || 'scram-sha-256',
    pgwireTlsCert: env['DFN_PGWIRE_TLS_CERT'] || undefined,
    pgwireTlsKey: env['DFN_PGWIRE_TLS_KEY'] || undefined,
    natsConf: env['DFN_NATS_CONF'] || join(PROJECT_ROOT, 'nats.conf'),
    webhookPort: Number(env['DFN_WEBHOOK_PORT'] ?? 6876),
    storage: storageBackend(env['DFN_STORAGE']),
    storageReplicas: Number(env['DFN_STORAGE_REPLICAS'] ?? 1),
  };
}

/** The environment variables that hand `config` to a child process. */
export function configEnv(config: PlatformConfig): Record<string, string> {
  return {
    DFN_REGION: config.region,
    DFN_DATA_DIR: config.dataDir,
    DFN_NATS_URL: config.natsUrl,
    DFN_NATS_USER: config.natsUser,
    DFN_NATS_PASS: config.natsPass,
    DFN_SYNC: String(config.sync),
    DFN_STORAGE: config.storage,
    DFN_STORAGE_REPLICAS: String(config.storageReplicas),
  };
}
