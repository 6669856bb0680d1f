/**
 * `npm run drill -- --seed S --steps N [--scenario random|all-faults|storage-only]
 * [--nats-cluster 3] [--postgres-port P] [--keep] [--no-read-holds]`: a scripted restart chaos drill. The last line printed is the JSON
 * report; the exit code is 1 when a validation failed. `--postgres-port`: a PostgreSQL server on
 * 127.0.0.1 with wal_level=logical (trust auth, user postgres) for the drill's CDC source.
 */
import { runDrill } from './run.js';
import { printReport } from './report.js';
import { SCENARIOS, type Scenario } from './scenarios.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const seed = Number(flag('seed') ?? Date.now() % 1_000_000);
  const steps = Number(flag('steps') ?? 30);
  const scenario = (flag('scenario') ?? 'random') as Scenario;
  const cluster = Number(flag('nats-cluster') ?? 1);
  const postgresPort = flag('postgres-port') === undefined ? undefined : Number(flag('postgres-port'));
  if (!Number.isInteger(seed) || !Number.isInteger(steps) || steps < 1 || !SCENARIOS.includes(scenario) || (cluster !== 1 && cluster !== 3) || (postgresPort !== undefined && !Number.isInteger(postgresPort))) {
    console.error(`usage: npm run drill -- --seed S --steps N [--scenario ${SCENARIOS.join('|')}] [--nats-cluster 3] [--postgres-port P] [--keep] [--no-read-holds]`);
    process.exit(2);
  }
  const { report, ctx } = await runDrill({ seed, steps, scenario, natsServers: cluster as 1 | 3, keep: process.argv.includes('--keep'), readHolds: !process.argv.includes('--no-read-holds'), ...(postgresPort !== undefined ? { postgresPort } : {}) });
  printReport(ctx, report);
  process.exit(report.violations.length > 0 ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
