/**
 * Commands to the compute controller (`computeControllerSubject`), from CONTROL. The controller
 * durably records clusters and the dataflows on each, keeps each cluster's command history
 * reduced, and replays it to a cluster that (re)starts. Replies: `Ack`, `ClusterList`, or a typed
 * error (NotFound for unknown clusters, InvalidRequest for a conflicting dataflow, InvalidPlan).
 */
import { Type, type Static } from '@sinclair/typebox';
import { defineMessage } from '../message.js';
import { Frontier } from '../types.js';
import { DataflowDescription } from './command.js';
import { Status } from './response.js';

const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

/** Creates a cluster: a host process `cluster-<id>` running one cluster actor. Idempotent. */
export const CreateCluster = defineMessage('CreateCluster', { cluster: Id });
/** Drops a cluster, its dataflows and its process. */
export const DropCluster = defineMessage('DropCluster', { cluster: Id });
/** Installs a dataflow on a cluster and records it. Idempotent for the same description. */
export const InstallDataflow = defineMessage('InstallDataflow', { cluster: Id, dataflow: DataflowDescription });
/** Lets a dataflow compact to `frontier`; the empty frontier drops it. */
export const CompactDataflow = defineMessage('CompactDataflow', { cluster: Id, id: Id, frontier: Frontier });
/** Lists clusters with their latest status. */
export const ListClusters = defineMessage('ListClusters', {});

export const CONTROLLER_COMMANDS = [CreateCluster, DropCluster, InstallDataflow, CompactDataflow, ListClusters] as const;
export type ControllerCommand = Static<(typeof CONTROLLER_COMMANDS)[number]>;

export const ClusterInfo = Type.Object({
  cluster: Id,
  hostId: Type.String(),
  dataflows: Type.Array(Type.String()),
  /** Times the controller replayed history to a fresh incarnation of this cluster. */
  rehydrations: Type.Integer({ minimum: 0 }),
  status: Type.Optional(Status),
});
export const ClusterList = defineMessage('ClusterList', { epoch: Type.Integer({ minimum: 0 }), clusters: Type.Array(ClusterInfo) });
export type ClusterList = Static<typeof ClusterList>;

export const MESSAGE_EXAMPLES: Record<string, unknown> = {
  CreateCluster: { type: 'CreateCluster', cluster: 'c1' },
  DropCluster: { type: 'DropCluster', cluster: 'c1' },
  InstallDataflow: {
    type: 'InstallDataflow',
    cluster: 'c1',
    dataflow: { id: 'd1', plan: { op: 'get', input: 'a' }, inputs: [{ name: 'a', collection: 'u1' }], asOf: 1, exports: { index: true } },
  },
  CompactDataflow: { type: 'CompactDataflow', cluster: 'c1', id: 'd1', frontier: [5] },
  ClusterList: { type: 'ClusterList', epoch: 2, clusters: [{ cluster: 'c1', hostId: 'cluster-c1', dataflows: ['d1'], rehydrations: 1 }] },
};
