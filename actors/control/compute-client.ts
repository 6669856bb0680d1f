/**
 * CONTROL's client of the compute controller (protocol/compute/controller.ts): create and drop
 * clusters, install dataflows (indexes and materialized views), drop dataflows.
 */
import { computeControllerSubject } from '../../protocol/compute/subjects.js';
import type { DataflowDescription } from '../../protocol/compute/command.js';
import type { Transport } from '../../runtime/transport.js';

const TIMEOUT_MS = 120_000;

export class ComputeClient {
  private readonly subject: string;
  constructor(
    private readonly transport: Transport,
    region: string,
  ) {
    this.subject = computeControllerSubject(region);
  }

  async createCluster(cluster: string): Promise<void> {
    await this.transport.request(this.subject, { type: 'CreateCluster', cluster }, { timeoutMs: TIMEOUT_MS });
  }
  async dropCluster(cluster: string): Promise<void> {
    await this.transport.request(this.subject, { type: 'DropCluster', cluster }, { timeoutMs: TIMEOUT_MS });
  }
  async install(cluster: string, dataflow: DataflowDescription): Promise<void> {
    await this.transport.request(this.subject, { type: 'InstallDataflow', cluster, dataflow }, { timeoutMs: TIMEOUT_MS });
  }
  async drop(cluster: string, id: string): Promise<void> {
    await this.transport.request(this.subject, { type: 'CompactDataflow', cluster, id, frontier: [] }, { timeoutMs: TIMEOUT_MS });
  }
}
