/**
 * Publishes a host's inspection events: lifecycle transitions of every actor, announcements,
 * per-actor counters (only those that changed, once a second) and the host heartbeat. Publishing
 * never throws into the actor that caused it: inspection must not affect the platform.
 */
import { announceSubject, countersSubject, eventSubject, heartbeatSubject } from '../protocol/inspect/subjects.js';
import type { CountersReport, Heartbeat, LifecycleEvent } from '../protocol/inspect/messages.js';
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
