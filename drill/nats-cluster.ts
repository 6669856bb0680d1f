/**
 * The drill's NATS: one nats-server, or three clustered with routes on loopback (JetStream
 * clustered, each with its own server_name and store dir), all with the project's nats.conf
 * (accounts and users). Each server can be stopped, killed and restarted on the same ports and
 * store dir.
 */
import { join } from 'node:path';
import { freePort, startNatsServer, type RunningNatsServer } from '../runtime/nats-server.js';

interface ServerSlot {
  name: string;
  ports: { port: number; httpPort: number; wsPort: number; clusterPort: number };
  storeDir: string;
  running: RunningNatsServer | undefined;
}

export class NatsCluster {
  private constructor(
    private readonly slots: ServerSlot[],
    private readonly clustered: boolean,
  ) {}

  static async start(dir: string, size: 1 | 3): Promise<NatsCluster> {
    const slots: ServerSlot[] = [];
    for (let i = 0; i < size; i++) {
      const ports = { port: await freePort(), httpPort: await freePort(), wsPort: await freePort(), clusterPort: await freePort() };
      slots.push({ name: `drill-${i}`, ports, storeDir: join(dir, `nats-${i}`, 'jetstream'), running: undefined });
    }
    const c = new NatsCluster(slots, size > 1);
    await Promise.all(slots.map((_, i) => c.startServer(i)));
    return c;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Client URL of server i. */
  url(i: number): string {
    return `nats://127.0.0.1:${this.slots[i]!.ports.port}`;
  }

  /** Every server's client URL (clients reconnect to any of them). */
  urls(): string[] {
    return this.slots.map((_, i) => this.url(i));
  }

  isRunning(i: number): boolean {
    return this.slots[i]!.running !== undefined;
  }

  pid(i: number): number | undefined {
    return this.slots[i]!.running?.process.pid;
  }

  async startServer(i: number): Promise<void> {
    const s = this.slots[i]!;
    const args = ['--name', s.name];
    if (this.clustered) {
      const routes = this.slots.filter((o) => o !== s).map((o) => `nats://127.0.0.1:${o.ports.clusterPort}`);
      args.push('--cluster_name', 'drill', '--cluster', `nats://127.0.0.1:${s.ports.clusterPort}`, '--routes', routes.join(','));
    }
    s.running = await startNatsServer({ ...s.ports, storeDir: s.storeDir, args, logFile: join(s.storeDir, '..', 'nats-server.log') });
  }

  /** Clean stop (SIGTERM). */
  async stopServer(i: number): Promise<void> {
    const s = this.slots[i]!;
    await s.running?.stop();
    s.running = undefined;
  }

  /** SIGKILL, and wait for the exit. */
  async killServer(i: number): Promise<void> {
    const s = this.slots[i]!;
    const child = s.running?.process;
    s.running = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((r) => {
      child.once('exit', () => r());
      child.kill('SIGKILL');
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.slots.map((_, i) => this.stopServer(i)));
  }
}
