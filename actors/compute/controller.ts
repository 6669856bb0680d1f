/**
 * The compute controller (one per region, in the environment process). It durably records
 * clusters and the dataflows on each (as each cluster's reduced command history), starts each
 * cluster in its own host process through the orchestrator, and replays the history whenever a
 * cluster incarnation it has not initialized appears (a restarted cluster rehydrates; a cluster
 * that merely sees a restarted controller keeps its dataflows, because CreateDataflow is
 * idempotent). Its epoch grows at every start and fences off older controllers. It holds a read
 * hold (storage AllowCompaction, holder `compute.<cluster>.<dataflow>`) on every input of every
 * dataflow at the dataflow's `asOf`, moves it with CompactDataflow and releases it on drop, so a
 * cluster that rehydrates can always read its inputs at `asOf`.
 */
import type { Msg, Subscription } from '@nats-io/transport-node';
import { MessageSet } from '../../protocol/message.js';
import { decode } from '../../protocol/codec.js';
import { Header } from '../../protocol/envelope.js';
import { InvalidRequestError, NotFoundError } from '../../protocol/errors.js';
import { StorageClient } from '../../protocol/storage/client.js';
import { SinceViolationError } from '../../protocol/storage/errors.js';
import { orchestratorSubject } from '../../protocol/subjects.js';
import { CommandHistory } from '../../protocol/compute/history.js';
import type { ComputeCommand, DataflowDescription } from '../../protocol/compute/command.js';
import { Status } from '../../protocol/compute/response.js';
import { CONTROLLER_COMMANDS, type ClusterList, type ControllerCommand } from '../../protocol/compute/controller.js';
import { clusterResponsesSubject, clusterSubject, computeControllerSubject } from '../../protocol/compute/subjects.js';
import type { ActorBehavior, ActorContext, Reply } from '../../runtime/actor.js';
import type { ActorKind } from '../../runtime/host.js';
import { isDeepStrictEqual } from 'node:util';
import { validatePlan } from './engine-binding.js';

const commands = new MessageSet<ControllerCommand>(CONTROLLER_COMMANDS);
const statuses = new MessageSet<Status>([Status]);

interface ClusterState {
  id: string;
  hostId: string;
  history: CommandHistory;
  /** The cluster incarnation the current epoch's history was replayed to. */
  initializedIncarnation: string | undefined;
  /** The replay in progress, if any (a command recorded meanwhile waits for it). */
  replaying: Promise<void> | undefined;
  rehydrations: number;
  status: Status | undefined;
  sub: Subscription | undefined;
}

interface StoredCluster {
  id: string;
  hostId: string;
  dataflows: DataflowDescription[];
  rehydrations: number;
}

class ComputeController implements ActorBehavior<ControllerCommand> {
  readonly commands = commands;
  private epoch = 0;
  private readonly clusters = new Map<string, ClusterState>();
  private readonly storage: StorageClient;

  constructor(private readonly ctx: ActorContext) {
    this.storage = new StorageClient(ctx.transport, ctx.region);
  }

  async recover(): Promise<void> {
    this.epoch = ((await this.ctx.store.get<number>('epoch')) ?? 0) + 1;
    await this.ctx.store.batch([{ type: 'put', key: 'epoch', value: this.epoch }]);
    for await (const [, c] of this.ctx.store.entries<StoredCluster>({ gte: 'cluster/', lt: 'cluster/\xff' })) {
      const history = new CommandHistory();
      for (const dataflow of c.dataflows) history.push({ type: 'CreateDataflow', epoch: this.epoch, dataflow });
      this.track({ id: c.id, hostId: c.hostId, history, initializedIncarnation: undefined, replaying: undefined, rehydrations: c.rehydrations, status: undefined, sub: undefined });
    }
    // Ask every cluster for its status now; replays happen as statuses arrive. Holds are durable
    // in STORAGE; re-asserting them is idempotent and repairs a hold a crash left unset.
    for (const c of this.clusters.values()) {
      for (const d of c.history.reduce()) void this.hold(c.id, d, [d.asOf]).catch(() => undefined);
      void this.poll(c);
    }
  }

  async stop(): Promise<void> {
    for (const c of this.clusters.values()) c.sub?.unsubscribe();
  }

  handle(cmd: ControllerCommand): Reply | Promise<Reply> {
    switch (cmd.type) {
      case 'CreateCluster':
        return this.createCluster(cmd.cluster);
      case 'DropCluster':
        return this.dropCluster(cmd.cluster);
      case 'InstallDataflow':
        return this.install(cmd.cluster, cmd.dataflow);
      case 'CompactDataflow':
        return this.compact(cmd.cluster, cmd.id, cmd.frontier);
      case 'ListClusters':
        return this.list();
      default:
        return assertNever(cmd);
    }
  }

  info(): Record<string, unknown> {
    return { epoch: this.epoch, clusters: [...this.clusters.values()].map((c) => ({ id: c.id, dataflows: c.history.length, rehydrations: c.rehydrations })) };
  }

  private async createCluster(id: string): Promise<Reply> {
    if (!this.clusters.has(id)) {
      const c: ClusterState = {
        id,
        hostId: `cluster-${id}`,
        history: new CommandHistory(),
        initializedIncarnation: undefined,
        replaying: undefined,
        rehydrations: 0,
        status: undefined,
        sub: undefined,
      };
      this.track(c);
      await this.persist(c);
    }
    const c = this.clusters.get(id)!;
    await this.ctx.transport.request(orchestratorSubject(this.ctx.region), { type: 'StartHost', hostId: c.hostId, actors: [{ kind: 'cluster', id }] }, { timeoutMs: 60_000 });
    await this.poll(c);
    return { type: 'Ack', detail: `cluster ${id} on host ${c.hostId}` };
  }

  /**
   * Validates the dataflow (plan, inputs, conflicting id), takes read holds on its inputs at
   * `asOf` (refusing an `asOf` below an input's `since`), records it and sends it. A dataflow the
   * cluster refuses is taken out of the history again, and its holds released.
   */
  private async install(cluster: string, dataflow: DataflowDescription): Promise<Reply> {
    const c = this.require(cluster);
    validatePlan(dataflow.plan, dataflow.inputs.map((i) => i.name), dataflow.asOf);
    const existing = c.history.reduce().find((d) => d.id === dataflow.id);
    if (existing) {
      const { asOf: _a, ...want } = dataflow;
      const { asOf: _b, ...have } = existing;
      if (!isDeepStrictEqual(want, have)) throw new InvalidRequestError(`dataflow ${dataflow.id} already exists on cluster ${cluster} with a different description`);
      return { type: 'Ack', detail: 'already installed' };
    }
    await this.hold(cluster, dataflow, [dataflow.asOf]);
    try {
      for (const input of dataflow.inputs) {
        const { since } = await this.storage.describe(input.collection);
        if (since > dataflow.asOf) throw new SinceViolationError(`asOf ${dataflow.asOf} is before input ${input.collection}'s since ${since}`, { details: { since } });
      }
      return await this.send(cluster, { type: 'CreateDataflow', epoch: this.epoch, dataflow });
    } catch (err) {
      if (c.history.reduce().some((d) => d.id === dataflow.id)) {
        c.history.push({ type: 'AllowCompaction', epoch: this.epoch, id: dataflow.id, frontier: [] });
        await this.persist(c);
      }
      await this.hold(cluster, dataflow, []).catch(() => undefined);
      throw err;
    }
  }

  /** Lets a dataflow compact (moving its read holds) or, with `[]`, drops it (releasing them). */
  private async compact(cluster: string, id: string, frontier: number[]): Promise<Reply> {
    const c = this.require(cluster);
    const dataflow = c.history.reduce().find((d) => d.id === id);
    if (!dataflow) throw new NotFoundError(`no dataflow ${id} on cluster ${cluster}`);
    const reply = await this.send(cluster, { type: 'AllowCompaction', epoch: this.epoch, id, frontier });
    await this.hold(cluster, dataflow, frontier.length === 0 ? [] : [Math.max(dataflow.asOf, frontier[0]!)]);
    return reply;
  }

  /**
   * Sets (or with `[]` releases) the dataflow's read hold on each of its inputs. A release goes
   * to every input even when one fails: an input dropped meanwhile holds nothing any more.
   */
  private async hold(cluster: string, dataflow: DataflowDescription, since: number[]): Promise<void> {
    const holder = `compute.${cluster}.${dataflow.id}`;
    if (since.length > 0) {
      for (const input of dataflow.inputs) await this.storage.allowCompaction(input.collection, holder, since);
      return;
    }
    const release = async (collection: string) => {
      try {
        await this.storage.allowCompaction(collection, holder, []);
      } catch (err) {
        const gone = !(await this.storage.list()).some((c) => c.id === collection);
        if (!gone) throw err;
      }
    };
    const results = await Promise.allSettled(dataflow.inputs.map((input) => release(input.collection)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  private async dropCluster(id: string): Promise<Reply> {
    const c = this.require(id);
    for (const d of c.history.reduce()) await this.hold(id, d, []).catch(() => undefined);
    c.sub?.unsubscribe();
    this.clusters.delete(id);
    await this.ctx.store.batch([{ type: 'del', key: `cluster/${id}` }]);
    await this.ctx.transport.request(orchestratorSubject(this.ctx.region), { type: 'StopHost', hostId: c.hostId }, { timeoutMs: 60_000 }).catch(() => undefined);
    return { type: 'Ack' };
  }

  /** Records a state-changing command, persists the reduced history, and sends it to the cluster. */
  private async send(id: string, cmd: ComputeCommand): Promise<Reply> {
    const c = this.require(id);
    c.history.push(cmd);
    await this.persist(c);
    if (c.initializedIncarnation === undefined) {
      // Not initialized: replay (or wait for the replay in progress). A replay that began before
      // this command was recorded did not carry it, so once initialized it is sent as well
      // (the cluster's commands are idempotent); still not initialized (the cluster is down),
      // the next replay carries it.
      await this.poll(c);
      if (c.initializedIncarnation === undefined) return { type: 'Ack', detail: 'queued for replay' };
    }
    return this.ctx.transport.request(clusterSubject(this.ctx.region, id), cmd, { timeoutMs: 30_000 });
  }

  private list(): ClusterList {
    return {
      type: 'ClusterList',
      epoch: this.epoch,
      clusters: [...this.clusters.values()].map((c) => ({
        cluster: c.id,
        hostId: c.hostId,
        dataflows: c.history.reduce().map((d) => d.id),
        rehydrations: c.rehydrations,
        ...(c.status ? { status: c.status } : {}),
      })),
    };
  }

  private track(c: ClusterState): void {
    this.clusters.set(c.id, c);
    c.sub = this.ctx.transport.subscribe(clusterResponsesSubject(this.ctx.region, c.id), (msg) => this.onResponse(c, msg));
  }

  private onResponse(c: ClusterState, msg: Msg): void {
    if (!this.ctx.alive()) return;
    if (msg.headers?.get(Header.Type) !== 'Status') return;
    let status: Status;
    try {
      status = statuses.validate(decode(msg.data));
    } catch {
      return;
    }
    c.status = status;
    if (status.incarnation !== c.initializedIncarnation || status.epoch < this.epoch) void this.replay(c, status);
  }

  private async poll(c: ClusterState): Promise<void> {
    try {
      const status = await this.ctx.transport.request<Status>(clusterSubject(this.ctx.region, c.id), { type: 'GetStatus' }, { timeoutMs: 5000, replies: statuses });
      c.status = status;
      if (status.incarnation !== c.initializedIncarnation || status.epoch < this.epoch) await this.replay(c, status);
    } catch {
      // The cluster is not up yet; its first Status will trigger the replay.
    }
  }

  /** Replays the reduced history to a cluster incarnation. */
  private async replay(c: ClusterState, status: Status): Promise<void> {
    if (c.replaying) return c.replaying;
    if (!this.ctx.alive()) return;
    c.replaying = this.replayOnce(c, status).finally(() => {
      c.replaying = undefined;
    });
    return c.replaying;
  }

  private async replayOnce(c: ClusterState, status: Status): Promise<void> {
    try {
      const commandsToSend = c.history.replay(this.epoch, this.ctx.id);
      const fresh = status.dataflows.length === 0 && commandsToSend.length > 2 && !status.initialized;
      // Pipelined: sent in order on one connection, so the cluster's mailbox takes them in order,
      // without a round trip between commands (thousands of dataflows replay in one go).
      const subject = clusterSubject(this.ctx.region, c.id);
      const replies = commandsToSend.map((cmd) => this.ctx.transport.request(subject, cmd, { timeoutMs: 30_000 }));
      await Promise.all(replies);
      if (fresh) {
        c.rehydrations++;
        await this.persist(c);
      }
      c.initializedIncarnation = status.incarnation;
    } catch {
      c.initializedIncarnation = undefined;
    }
  }

  private async persist(c: ClusterState): Promise<void> {
    const stored: StoredCluster = { id: c.id, hostId: c.hostId, dataflows: c.history.reduce(), rehydrations: c.rehydrations };
    await this.ctx.store.batch([{ type: 'put', key: `cluster/${c.id}`, value: stored }]);
  }

  private require(id: string): ClusterState {
    const c = this.clusters.get(id);
    if (!c) throw new NotFoundError(`unknown cluster "${id}"`);
    return c;
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled ${JSON.stringify(x)}`);
}

export const computeControllerKind: ActorKind = {
  kind: 'compute-controller',
  layer: 'compute',
  create: (ctx) => new ComputeController(ctx),
  subject: (region) => computeControllerSubject(region),
};
