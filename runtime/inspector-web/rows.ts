/**
 * The inspector's rows: the last known state of every host and actor, merged from tree snapshots
 * (structure and full facts, every tick) and inspection events (transitions, heartbeats, counters,
 * as they happen). A transition newer than a snapshot wins over it; what a snapshot no longer
 * lists is kept and marked stale with the reason (its host is down, it left the tree) instead of
 * vanishing, and forgotten only after 30 minutes. Pure bookkeeping: no I/O, the clock is passed in.
 */
import type { Announce, CountersReport, Heartbeat, LifecycleEvent, TreeNode } from '../../protocol/inspect/messages.js';
import { RateTracker } from './history.js';
import type { ActorRow, HostRow, InspectorEvent } from './types.js';

interface ActorEntry {
  row: ActorRow;
  rates: RateTracker;
  /** Last time a tree listed it or an event named it. */
  seenAt: number;
  /** When a lifecycle event last changed it (newer than a tree requested earlier). */
  eventAt: number;
}

interface HostEntry {
  row: HostRow;
  seenAt: number;
  eventAt: number;
}

/** Forget actors and hosts not reported for this long. */
const FORGET_MS = 30 * 60_000;

export class RowStore {
  private readonly actors = new Map<string, ActorEntry>();
  private readonly hosts = new Map<string, HostEntry>();

  /** `emit` receives the events the rows derive (transitions, a host's new incarnation). */
  constructor(private readonly emit: (event: Omit<InspectorEvent, 'seq'>) => void) {}

  /** The rows as of `now`, with rates; everything marked stale when `down` names why. */
  rows(now: number, down: string | undefined): { actors: ActorRow[]; hosts: HostRow[] } {
    const actors = [...this.actors.values()].map((e) => {
      const [rateIn, rateOut] = e.rates.rates(now);
      const row: ActorRow = { ...e.row, rateIn: round2(rateIn), rateOut: round2(rateOut) };
      const host = this.hosts.get(row.hostId)?.row;
      if (host?.memory) row.hostMemory = host.memory;
      if (down && !row.stale) Object.assign(row, { stale: true, staleReason: down });
      return row;
    });
    const hosts = [...this.hosts.values()].map((e) => (down && !e.row.stale ? { ...e.row, stale: true } : { ...e.row }));
    actors.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    hosts.sort((a, b) => (a.hostId < b.hostId ? -1 : 1));
    return { actors, hosts };
  }

  /** Actors whose values are live (for lag sampling). */
  *live(): IterableIterator<ActorRow> {
    for (const e of this.actors.values()) if (!e.row.stale) yield e.row;
  }

  actor(hostId: string, id: string): ActorRow | undefined {
    return this.actors.get(`${hostId}/${id}`)?.row;
  }

  host(hostId: string): HostRow | undefined {
    return this.hosts.get(hostId)?.row;
  }

  /** Takes in a tree snapshot requested at `requestedAt` (events newer than that win). */
  applyTree(root: TreeNode, requestedAt: number, now: number): void {
    const seenHosts = new Set<string>();
    const seenActors = new Set<string>();
    const liveHosts = new Set<string>();
    const walk = (node: TreeNode, parent: TreeNode | undefined, hostId: string | undefined) => {
      if (node.role === 'host') {
        hostId = node.id;
        seenHosts.add(node.id);
        if ((node.children ?? []).length > 0) liveHosts.add(node.id);
        this.applyHost(node, parent, requestedAt, now);
      } else if (node.role === 'actor' && hostId !== undefined) {
        seenActors.add(`${hostId}/${node.id}`);
        this.applyActor(node, hostId, parent, requestedAt, now);
      }
      for (const c of node.children ?? []) walk(c, node, hostId);
    };
    walk(root, undefined, undefined);
    for (const [hostId, e] of this.hosts) {
      if (seenHosts.has(hostId)) continue;
      const hb = e.row.lastHeartbeatAt !== undefined && now - e.row.lastHeartbeatAt < 3000;
      if (!hb && !e.row.stale) e.row = { ...e.row, stale: true, state: e.row.state === 'stopping' || e.row.state === 'stopped' ? 'stopped' : 'unknown' };
      if (now - e.seenAt > FORGET_MS) this.hosts.delete(hostId);
    }
    for (const [key, e] of this.actors) {
      if (seenActors.has(key)) continue;
      // Stopped cleanly on a live host (a closed session, a StopActor): gone, not down.
      if (liveHosts.has(e.row.hostId) && (e.row.state === 'stopped' || e.row.state === 'stopping') && e.eventAt <= requestedAt) {
        this.actors.delete(key);
        continue;
      }
      const host = this.hosts.get(e.row.hostId)?.row;
      const reason = liveHosts.has(e.row.hostId) ? 'no longer in the tree' : `host ${e.row.hostId} is ${host?.state ?? 'unknown'}`;
      if (e.eventAt <= requestedAt) e.row = { ...e.row, stale: true, staleReason: reason };
      if (now - e.seenAt > FORGET_MS) this.actors.delete(key);
    }
  }

  private applyHost(node: TreeNode, parent: TreeNode | undefined, requestedAt: number, now: number): void {
    const prev = this.hosts.get(node.id);
    const info = node.info ?? {};
    const managed = node.kind === 'host-process' || (prev?.row.managed ?? false);
    const row: HostRow = {
      hostId: node.id,
      kind: managed ? 'host-process' : node.kind,
      managed,
      state: node.state,
      restarts: node.restarts,
      stale: false,
      ...(node.pid ? { pid: node.pid } : {}),
      ...(typeof info['incarnation'] === 'string' && info['incarnation'] ? { incarnation: info['incarnation'] } : {}),
      ...(node.startedAt ? { startedAt: node.startedAt } : {}),
      ...(node.runningSince !== undefined ? { runningSince: node.runningSince } : {}),
      ...(node.backoffDeadline !== undefined ? { backoffDeadline: node.backoffDeadline } : {}),
      ...(node.lastError !== undefined ? { lastError: node.lastError } : {}),
      ...(node.memory ? { memory: node.memory } : prev?.row.memory ? { memory: prev.row.memory } : {}),
      ...(typeof info['actors'] === 'number' ? { actors: info['actors'] } : {}),
      ...(prev?.row.lastHeartbeatAt !== undefined ? { lastHeartbeatAt: prev.row.lastHeartbeatAt } : {}),
      ...(parent?.role === 'orchestrator' ? supervisorWindow(parent) : {}),
    };
    if (prev && prev.eventAt > requestedAt) {
      // A transition newer than this tree: keep what it said.
      for (const k of ['state', 'backoffDeadline', 'lastError', 'restarts'] as const) (row as unknown as Record<string, unknown>)[k] = prev.row[k];
    }
    this.hosts.set(node.id, { row, seenAt: now, eventAt: prev?.eventAt ?? 0 });
  }

  private applyActor(node: TreeNode, hostId: string, parent: TreeNode | undefined, requestedAt: number, now: number): void {
    const key = `${hostId}/${node.id}`;
    const prev = this.actors.get(key);
    const entry: ActorEntry = prev ?? { row: emptyActor(hostId, node.kind, node.id), rates: new RateTracker(), seenAt: now, eventAt: 0 };
    const old = entry.row;
    const row: ActorRow = {
      key,
      hostId,
      kind: node.kind,
      id: node.id,
      state: node.state,
      stale: false,
      restarts: node.restarts,
      rateIn: 0,
      rateOut: 0,
      ...(parent?.role === 'supervisor' ? { supervisor: parent.id, ...supervisorWindow(parent) } : {}),
      ...(node.subject ? { subject: node.subject } : {}),
      ...(node.restartType ? { restartType: node.restartType } : {}),
      ...(node.startedAt !== undefined ? { startedAt: node.startedAt } : {}),
      ...(node.runningSince !== undefined ? { runningSince: node.runningSince } : {}),
      ...(node.backoffDeadline !== undefined ? { backoffDeadline: node.backoffDeadline } : {}),
      ...(node.lastError !== undefined ? { lastError: node.lastError } : {}),
      ...(node.counters ? { counters: node.counters } : old.counters ? { counters: old.counters } : {}),
      ...(node.info ? { info: node.info } : {}),
      ...(old.lastActivityAt !== undefined ? { lastActivityAt: old.lastActivityAt } : {}),
    };
    if (entry.eventAt > requestedAt) {
      for (const k of ['state', 'runningSince', 'backoffDeadline', 'lastError', 'restarts'] as const) (row as unknown as Record<string, unknown>)[k] = old[k];
    }
    if (node.counters) this.observeCounters(entry, row, node.counters.messagesIn, node.counters.messagesOut, now);
    entry.row = row;
    entry.seenAt = now;
    this.actors.set(key, entry);
  }

  private observeCounters(entry: ActorEntry, row: ActorRow, messagesIn: number, messagesOut: number, at: number): void {
    const before = entry.row.counters?.messagesIn;
    if (before !== undefined && messagesIn > before) row.lastActivityAt = at;
    entry.rates.add(at, messagesIn, messagesOut);
  }

  /** A lifecycle transition of an actor, or (kind `host-process`) of a host process. */
  lifecycle(ev: LifecycleEvent, now: number): void {
    const common = { at: ev.at, hostId: ev.hostId, kind: ev.kind, id: ev.id, from: ev.from, to: ev.to, restarts: ev.restarts };
    const extra = { ...(ev.error !== undefined ? { error: ev.error } : {}), ...(ev.backoffDeadline !== undefined ? { backoffDeadline: ev.backoffDeadline } : {}) };
    if (ev.kind === 'host-process') {
      const e = this.hosts.get(ev.hostId) ?? { row: { hostId: ev.hostId, kind: 'host-process', managed: true, state: ev.from, restarts: 0, stale: false }, seenAt: now, eventAt: 0 };
      const row: HostRow = { ...e.row, state: ev.to, restarts: ev.restarts, stale: false };
      if (ev.error !== undefined) row.lastError = ev.error;
      if (ev.to === 'backoff' && ev.backoffDeadline !== undefined) row.backoffDeadline = ev.backoffDeadline;
      else delete row.backoffDeadline;
      if (ev.to === 'running') row.runningSince = ev.at;
      else delete row.runningSince;
      this.hosts.set(ev.hostId, { row, seenAt: now, eventAt: now });
      this.emit({ source: 'host', ...common, ...extra });
      return;
    }
    const key = `${ev.hostId}/${ev.id}`;
    const e = this.actors.get(key) ?? { row: emptyActor(ev.hostId, ev.kind, ev.id), rates: new RateTracker(), seenAt: now, eventAt: 0 };
    const row: ActorRow = { ...e.row, state: ev.to, restarts: ev.restarts, stale: false };
    delete row.staleReason;
    if (ev.error !== undefined) row.lastError = ev.error;
    if (ev.to === 'backoff' && ev.backoffDeadline !== undefined) row.backoffDeadline = ev.backoffDeadline;
    else delete row.backoffDeadline;
    if (ev.to === 'running') row.runningSince = ev.at;
    else delete row.runningSince;
    e.row = row;
    e.seenAt = now;
    e.eventAt = now;
    this.actors.set(key, e);
    this.emit({ source: 'actor', ...common, ...extra });
  }

  heartbeat(hb: Heartbeat, now: number): void {
    const e = this.hosts.get(hb.hostId);
    const row: HostRow = e ? { ...e.row } : { hostId: hb.hostId, kind: 'host', managed: false, state: 'running', restarts: 0, stale: false };
    if (e?.row.incarnation && e.row.incarnation !== hb.incarnation) {
      this.emit({ source: 'host', at: hb.at, hostId: hb.hostId, kind: row.kind, id: hb.hostId, detail: `new incarnation (pid ${hb.pid})` });
    }
    Object.assign(row, { pid: hb.pid, incarnation: hb.incarnation, startedAt: hb.startedAt, memory: hb.memory, actors: hb.actors, lastHeartbeatAt: now, stale: false });
    if (row.state === 'unknown') row.state = 'running';
    this.hosts.set(hb.hostId, { row, seenAt: now, eventAt: e?.eventAt ?? 0 });
  }

  announce(a: Announce): void {
    const e = this.actors.get(`${a.hostId}/${a.id}`);
    if (e) e.row = { ...e.row, subject: a.subject, restarts: a.restarts };
  }

  counters(r: CountersReport, now: number): void {
    for (const a of r.actors) {
      const e = this.actors.get(`${r.hostId}/${a.id}`);
      if (!e) continue;
      const row = { ...e.row, counters: a.counters };
      this.observeCounters(e, row, a.counters.messagesIn, a.counters.messagesOut, now);
      e.row = row;
    }
  }
}

function supervisorWindow(sup: TreeNode): Pick<ActorRow, 'restartsInWindow' | 'intensity' | 'periodMs'> {
  return {
    ...(sup.restartsInWindow !== undefined ? { restartsInWindow: sup.restartsInWindow } : {}),
    ...(sup.intensity !== undefined ? { intensity: sup.intensity } : {}),
    ...(sup.periodMs !== undefined ? { periodMs: sup.periodMs } : {}),
  };
}

function emptyActor(hostId: string, kind: string, id: string): ActorRow {
  return { key: `${hostId}/${id}`, hostId, kind, id, state: 'unknown', stale: false, restarts: 0, rateIn: 0, rateOut: 0 };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
