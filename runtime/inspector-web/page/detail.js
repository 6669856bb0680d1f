// Detail views: an actor (its lifecycle statechart with the current state highlighted, its facts,
// its `info()` such as a durable position or `upper`, its recent transitions) and a host process
// (its facts, transitions and actors).

import { h, replace, badge, fmtBackoff, fmtBytes, fmtDuration, fmtNumber, fmtRestarts, fmtTime, fmtTimestamp, short, uptime } from './dom.js';
import { store, now, eventsOf } from './store.js';
import { statechart } from './svg.js';
import { actorActions, actorLine, hostLine } from './tree.js';
import { eventTable } from './tables.js';

export function actorDetailView(hostId, id) {
  let body;
  return {
    title: `Actor ${id}`,
    mount(root) {
      body = h('div', { class: 'detail', id: 'actor-detail', dataset: { actor: `${hostId}/${id}` } });
      root.append(body);
    },
    update() {
      const st = store.state;
      const a = st && st.actors.find((r) => r.hostId === hostId && r.id === id);
      if (!a) return replace(body, h('p', { class: 'empty' }, `No actor "${id}" on host "${hostId}" is known to the inspector (yet).`), h('a', { href: '#/actors' }, 'all actors'));
      const t = now();
      const events = eventsOf(hostId, id);
      const last = events.find((e) => e.from && e.to);
      const c = a.counters || {};
      replace(body,
        h('h2', {}, `${a.kind} `, h('code', {}, a.id), ' on ', h('a', { href: `#/host/${encodeURIComponent(hostId)}` }, hostId), ' ', badge(a.state, a.stale, a.staleReason), ' ', actorActions(a)),
        a.stale ? h('p', { class: 'note' }, `Last known state: ${a.staleReason || 'not reported'}.`) : null,
        h('div', { class: 'panels' },
          h('section', { class: 'panel wide' }, h('h3', {}, 'Lifecycle'), store.statechart ? statechart(store.statechart, a.state, last) : null),
          h('section', { class: 'panel' }, h('h3', {}, 'Facts'), kv([
            ['subject', a.subject],
            ['supervisor', a.supervisor],
            ['restart type', a.restartType],
            ['uptime', a.state === 'running' ? uptime(a, t) : ''],
            ['started', a.startedAt ? fmtTime(a.startedAt) : ''],
            ['restarts', fmtRestarts(a)],
            ['backoff', a.state === 'backoff' ? fmtBackoff(a.backoffDeadline, t) : ''],
            ['last error', a.lastError],
            ['mailbox', c.mailbox],
            ['stashed', c.stashed],
            ['messages in', c.messagesIn],
            ['messages out', c.messagesOut],
            ['errors', c.errors],
            ['in/s', fmtNumber(a.rateIn)],
            ['out/s', fmtNumber(a.rateOut)],
            ['last activity', a.lastActivityAt ? `${fmtDuration(t - a.lastActivityAt)} ago` : ''],
            ['host rss', a.hostMemory ? fmtBytes(a.hostMemory.rss) : ''],
          ])),
          h('section', { class: 'panel', id: 'actor-info' }, h('h3', {}, 'info()'), a.info && Object.keys(a.info).length ? kv(Object.entries(a.info).map(([k, v]) => [k, fmtTimestampish(k, v)])) : h('p', { class: 'empty' }, 'This actor reports no info.')),
        ),
        h('section', { class: 'panel' }, h('h3', {}, 'Recent events'), eventTable(events, '', 50)),
      );
    },
  };
}

export function hostDetailView(hostId) {
  let body;
  return {
    title: `Host ${hostId}`,
    mount(root) {
      body = h('div', { class: 'detail', id: 'host-detail', dataset: { host: hostId } });
      root.append(body);
    },
    update() {
      const st = store.state;
      const x = st && st.hosts.find((r) => r.hostId === hostId);
      if (!x) return replace(body, h('p', { class: 'empty' }, `No host "${hostId}" is known to the inspector (yet).`));
      const t = now();
      const actors = st.actors.filter((a) => a.hostId === hostId);
      replace(body,
        h('h2', {}, x.managed ? 'Host process ' : 'In-process host ', h('code', {}, hostId), ' ', badge(x.state, x.stale)),
        h('div', { class: 'line host-line' }, hostLine(x, t)),
        h('div', { class: 'panels' },
          h('section', { class: 'panel' }, h('h3', {}, 'Facts'), kv([
            ['pid', x.pid],
            ['incarnation', x.incarnation],
            ['uptime', x.state === 'running' ? uptime(x, t) : ''],
            ['restarts', fmtRestarts(x)],
            ['backoff', x.state === 'backoff' ? fmtBackoff(x.backoffDeadline, t) : ''],
            ['last error', x.lastError],
            ['memory', x.memory ? `rss ${fmtBytes(x.memory.rss)}, heap ${fmtBytes(x.memory.heapUsed)}` : ''],
            ['actors', x.actors],
            ['last heartbeat', x.lastHeartbeatAt ? `${fmtDuration(t - x.lastHeartbeatAt)} ago` : 'none seen'],
          ])),
          h('section', { class: 'panel wide', id: 'host-events' }, h('h3', {}, 'Transitions'), eventTable(eventsOf(hostId, hostId), '', 50)),
        ),
        h('section', { class: 'panel' }, h('h3', {}, `Actors (${actors.length})`), actors.length ? actors.map((a) => h('div', { class: 'line' }, actorLine(a, t))) : h('p', { class: 'empty' }, 'No actors known on this host.')),
      );
    },
  };
}

/** A two-column key/value table, skipping empty values. */
export function kv(pairs) {
  const rows = pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v instanceof Node ? v : short(v, 400))));
  return h('table', { class: 'kv' }, h('tbody', {}, rows));
}

// Fields that hold timestamps are shown as times of day next to their value.
function fmtTimestampish(key, v) {
  return /(ts|since|upper|at|frontier|deadline)$/i.test(key) ? fmtTimestamp(v) : v;
}
