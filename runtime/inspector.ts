/**
 * Publishes a host's inspection events: lifecycle transitions of every actor, announcements,
 * per-actor counters (only those that changed, once a second) and the host heartbeat; and the
 * orchestrator's: state changes of the host processes it supervises (kind `host-process`).
 * Publishing never throws into the actor that caused it: inspection must not affect the platform.
 */
import { announceSubject, countersSubject, eventSubject, heartbeatSubject } from '../protocol/inspect/subjects.js';
import type { CountersReport, Heartbeat, LifecycleEvent, TreeNode } from '../protocol/inspect/messages.js';
import type { ActorCell, CellObserver } from './actor.js';
import type { Clock } from './clock.js';
import type { LifecycleState } from './lifecycle.js';
import type { Transport, Typed } from './transport.js';

export class HostInspector implements CellObserver {
  private readonly dirty = new Set<ActorCell>();

  constructor(
    private readonly transport: Transport,
    private readonly region: string,
    private readonly hostId: string,
    private readonly clock: Clock,
  ) {}

  transition(cell: ActorCell, from: LifecycleState, to: LifecycleState): void {
    const tree = cell.tree();
    const event: LifecycleEvent = {
      type: 'LifecycleEvent',
      hostId: this.hostId,
      kind: cell.kind,
      id: cell.id,
      from,
      to,
      at: this.clock.now(),
      restarts: tree.restarts,
    };
    if (to === 'failed' && tree.lastError !== undefined) event.error = tree.lastError;
    if (tree.backoffDeadline !== undefined) event.backoffDeadline = tree.backoffDeadline;
    this.safePublish(eventSubject(this.region, this.hostId, cell.kind, cell.id), event);
  }

  announce(cell: ActorCell): void {
    this.safePublish(announceSubject(this.region, this.hostId), {
      type: 'Announce',
      hostId: this.hostId,
      kind: cell.kind,
      id: cell.id,
      subject: cell.subject,
      restarts: cell.restarts(),
      at: this.clock.now(),
    });
  }

  countersChanged(cell: ActorCell): void {
    this.dirty.add(cell);
  }

  /** Publishes the counters of actors that changed since the last call. */
  flushCounters(): void {
    if (this.dirty.size === 0) return;
    const actors = [...this.dirty].slice(0, 2000).map((c) => ({ kind: c.kind, id: c.id, counters: { ...c.counters } }));
    this.dirty.clear();
    const report: CountersReport = { type: 'CountersReport', hostId: this.hostId, at: this.clock.now(), actors };
    this.safePublish(countersSubject(this.region, this.hostId), report);
  }

  heartbeat(hb: Omit<Heartbeat, 'type'>): void {
    this.safePublish(heartbeatSubject(this.region, this.hostId), { type: 'Heartbeat', ...hb });
  }

  private safePublish(subject: string, message: Typed): void {
    try {
      if (!this.transport.nc.isClosed()) this.transport.publish(subject, message);
    } catch {
      // Inspection is best effort; a failed publish never reaches the actor.
    }
  }
}

/** The kind under which host processes appear in lifecycle events and trees. */
export const HOST_PROCESS_KIND = 'host-process';

/**
 * Publishes the state changes of the host processes an orchestrator supervises, as LifecycleEvents
 * on `inspect.event.<hostId>.host-process.<hostId>`, so a host going down, backing off and coming
 * back is seen as it happens, not only at the next tree snapshot.
 */
export class ProcessInspector {
  constructor(
    private readonly transport: Transport,
    private readonly region: string,
    private readonly clock: Clock,
  ) {}

  /** `node` is the host process's tree node after the change. */
  hostTransition(node: TreeNode, from: string, to: string): void {
    const event: LifecycleEvent = {
      type: 'LifecycleEvent',
      hostId: node.id,
      kind: HOST_PROCESS_KIND,
      id: node.id,
      from,
      to,
      at: this.clock.now(),
      restarts: node.restarts,
    };
    if (to === 'failed' && node.lastError !== undefined) event.error = node.lastError;
    if (to === 'backoff' && node.backoffDeadline !== undefined) event.backoffDeadline = node.backoffDeadline;
    try {
      if (!this.transport.nc.isClosed()) this.transport.publish(eventSubject(this.region, node.id, HOST_PROCESS_KIND, node.id), event);
    } catch {
      // Inspection is best effort; a failed publish never reaches the supervisor.
    }
  }
}
