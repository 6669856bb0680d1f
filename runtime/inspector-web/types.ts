/**
 * The shapes the inspector server sends to the page (as JSON over the API and Server-Sent Events).
 * They are views derived from the inspection events and tree snapshots of protocol/inspect; the
 * page is plain JavaScript and reads exactly these fields. Nothing here is sent to the platform.
 */
import type { Counters, TreeNode } from '../../protocol/inspect/messages.js';

/** The state of one of the inspector's NATS connections. */
export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'reconnecting' | 'closed';

export interface LinkStatus {
  state: LinkState;
  /** When the link entered this state (ms since epoch). */
  since: number;
  /** The NATS server's last error or the reason of the last disconnect, if any. */
  error?: string;
}

/** Whether the orchestrator answers the tree request. */
export interface OrchestratorStatus {
  up: boolean;
  since: number;
  error?: string;
}

/** A host process (managed by the orchestrator) or an in-process host (e.g. `env`). */
export interface HostRow {
  hostId: string;
  /** `host-process` when the orchestrator supervises it, `host` otherwise. */
  kind: string;
  managed: boolean;
  state: string;
  pid?: number;
  incarnation?: string;
  startedAt?: number;
  runningSince?: number;
  restarts: number;
  /** The orchestrator supervisor's restarts in its current period and its limit. */
  restartsInWindow?: number;
  intensity?: number;
  periodMs?: number;
  backoffDeadline?: number;
  lastError?: string;
  memory?: { rss: number; heapUsed: number };
  actors?: number;
  /** When this inspector last received the host's heartbeat. */
  lastHeartbeatAt?: number;
  /** True when the host is neither in the latest tree nor heartbeating (e.g. stopped and forgotten). */
  stale: boolean;
}

/** One actor, as the actor table and the detail view show it. */
export interface ActorRow {
  /** `<hostId>/<id>`: actor ids are unique per host. */
  key: string;
  hostId: string;
  kind: string;
  id: string;
  /** The layer supervisor it runs under (`<host>-<layer>`). */
  supervisor?: string;
  state: string;
  /** True when the value is the last one known, not a live one (its host or NATS is down). */
  stale: boolean;
  /** Why the row is stale (`host failed`, `NATS disconnected`, `no longer in the tree`). */
  staleReason?: string;
  subject?: string;
  restarts: number;
  restartType?: string;
  /** The supervisor's restarts within its period, against its intensity limit. */
  restartsInWindow?: number;
  intensity?: number;
  periodMs?: number;
  startedAt?: number;
  runningSince?: number;
  backoffDeadline?: number;
  lastError?: string;
  counters?: Counters;
  /** Messages per second over the last few seconds. */
  rateIn: number;
  rateOut: number;
  hostMemory?: { rss: number; heapUsed: number };
  info?: Record<string, unknown>;
  /** The last time the actor received a message, as far as this inspector saw. */
  lastActivityAt?: number;
}

/** Something that happened: a lifecycle transition or a change of a link's state. */
export interface InspectorEvent {
  seq: number;
  at: number;
  source: 'actor' | 'host' | 'nats' | 'orchestrator' | 'inspector';
  hostId?: string;
  kind?: string;
  id?: string;
  from?: string;
  to?: string;
  restarts?: number;
  error?: string;
  backoffDeadline?: number;
  detail?: string;
}

/** One lag series: a collection's upper, a timeline's read timestamp, a dataflow's frontier. */
export interface SeriesInfo {
  key: string;
  /** `collection`, `timeline` or `dataflow`. */
  category: string;
  label: string;
  hostId: string;
  actorId: string;
}

/** The full live state, pushed every tick and after every transition. */
export interface InspectorState {
  at: number;
  region: string;
  links: { nats: LinkStatus; operator: LinkStatus; orchestrator: OrchestratorStatus };
  tree: TreeNode | null;
  treeAt: number | null;
  hosts: HostRow[];
  actors: ActorRow[];
  series: SeriesInfo[];
  /** The newest point of each series sampled at this tick: key -> [at, lagMs]. */
  points: Record<string, [number, number]>;
}

/** What a page receives when it (re)connects: the state plus the history it cannot rebuild. */
export interface InspectorHello {
  state: InspectorState;
  events: InspectorEvent[];
  history: Record<string, Array<[number, number]>>;
  statechart: Statechart;
  historyMs: number;
}

/** The lifecycle machine as data, for drawing its statechart. */
export interface Statechart {
  initial: string;
  states: string[];
  transitions: Array<{ from: string; to: string; event: string }>;
}
