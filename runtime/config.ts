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
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const natsPort = Number(env['DFN_NATS_PORT'] ?? 4290);
  return {
    region: env['DFN_REGION'] ?? 'local',
    dataDir: env['DFN_DATA_DIR'] ?? join(PROJECT_ROOT, 'data'),
    natsUrl: env['DFN_NATS_URL'] ?? `nats://127.0.0.1:${natsPort}`,
    natsUser: env['DFN_NATS_USER'] ?? 'platform',
    natsPass: env['DFN_NATS_PASS'] ?? 'platform-secret',
    natsPort,
    natsHttpPort: Number(env['DFN_NATS_HTTP_PORT'] ?? 8290),
    natsWsPort: Number(env['DFN_NATS_WS_PORT'] ?? 4291),
    sync: (env['DFN_SYNC'] ?? 'true') !== 'false',
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
  };
}
