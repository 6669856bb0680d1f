/**
 * SELECTs that no index answers run as a transient dataflow on the session's cluster, as in
 * Materialize: the plan is installed through the compute controller with an index export at the
 * read timestamp (the controller holds its inputs there meanwhile), peeked once at that
 * timestamp, and dropped. The rows never pass through CONTROL until they are the answer.
 */
import { randomBytes } from 'node:crypto';
import type { Plan } from '../../protocol/compute/plan.js';
import type { DataflowInput } from '../../protocol/compute/command.js';
import type { Row } from '../../protocol/types.js';
import type { ControlDeps } from './deps.js';

/** How long a peek waits for the cluster to have the installed dataflow (a cluster restarting). */
const AWAIT_INSTALL_MS = 120_000;

/** Computes `plan` over `inputs` (plan input name -> STORAGE collection) at `ts` on `cluster`. */
export async function computeTransient(
  deps: ControlDeps,
  cluster: string,
  plan: Plan,
  inputs: DataflowInput[],
  ts: number,
): Promise<Array<[Row, number]>> {
  const id = `t${randomBytes(8).toString('hex')}`;
  await deps.compute.install(cluster, { id, plan, inputs, asOf: ts, exports: { index: true } });
  try {
    return await deps.reader.peek({ cluster, dataflow: id }, ts, AWAIT_INSTALL_MS);
  } finally {
    // Dropped in the background: the answer does not wait for the controller to forget it.
    deps.compute.drop(cluster, id).catch(() => undefined);
  }
}
