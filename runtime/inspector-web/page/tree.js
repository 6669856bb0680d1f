// The supervision tree view: region, orchestrator, host processes, layer supervisors, actors. The
// structure comes from the latest tree snapshot; each host's and actor's facts come from the rows,
// which lifecycle events keep fresher than the snapshot. A host that is down keeps its last known
// actors under it, marked stale, so what is down stays visible.

import { h, replace, badge, fmtBackoff, fmtBytes, fmtDuration, fmtRestarts, short, uptime } from './dom.js';
import { store, now, eventsOf } from './store.js';
import { actionButton } from './actions.js';

export function treeView() {
  const collapsed = new Set();
  let body;
  return {
    title: 'Supervision tree',
    mount(root) {
      body = h('div', { class: 'tree', id: 'tree' });
      root.append(
        h('p', { class: 'hint' }, 'Restarts show the total, then the supervisor\'s restarts in its current period against its intensity limit. Click an actor or host for its detail.'),
        body,
      );
    },
    update() {
      const st = store.state;
      if (!st) return replace(body, h('p', { class: 'empty' }, 'Waiting for the first state from the inspector server…'));
      if (!st.tree) return replace(body, h('p', { class: 'empty' }, 'No supervision tree yet: the inspector has not reached the platform. See the status above.'));
      replace(body, renderTree(st, collapsed, () => this.update()));
    },
  };
}

function renderTree(st, collapsed, rerender) {
  const t = now();
  const hosts = new Map(st.hosts.map((x) => [x.hostId, x]));
  const actors = new Map(st.actors.map((a) => [a.key, a]));
  const shownHosts = new Set();
  const shownActors = new Set();

  const node = (n, parent, hostId) => {
    if (n.role === 'host') {
      hostId = n.id;
      shownHosts.add(n.id);
    }
    const key = `${n.role}:${hostId && n.role === 'actor' ? `${hostId}/${n.id}` : n.id}`;
    let kids = (n.children || []).map((c) => node(c, n, hostId));
    if (n.role === 'host' && kids.length === 0) kids = lastKnownActors(st, n.id, shownActors, t);
    if (n.role === 'actor') shownActors.add(`${hostId}/${n.id}`);
    const hostRow = n.role === 'host' ? hosts.get(n.id) || fromNode(n) : undefined;
    const actorRow = n.role === 'actor' ? actors.get(`${hostId}/${n.id}`) || { ...n, hostId, key: `${hostId}/${n.id}` } : undefined;
    const line = hostRow ? hostLine(hostRow, t) : actorRow ? actorLine(actorRow, t) : groupLine(n, t);
    return wrap(key, n.role, kids, collapsed, rerender, line, (hostRow || actorRow || n).state);
  };
  const rootEl = node(st.tree, undefined, undefined);
  // Hosts known to the inspector but absent from the tree (stopped and forgotten, or unreachable).
  const missing = st.hosts.filter((x) => !shownHosts.has(x.hostId));
  if (missing.length > 0) {
    const kids = missing.map((x) => wrap(`host:${x.hostId}`, 'host', lastKnownActors(st, x.hostId, shownActors, t), collapsed, rerender, hostLine(x, t, 'not in the orchestrator\'s tree'), x.state));
    rootEl.querySelector('.children').append(...kids);
  }
  return rootEl;
}

function wrap(key, role, kids, collapsed, rerender, line, state) {
  const open = !collapsed.has(key);
  const toggle = kids.length
    ? h('button', { class: 'toggle', type: 'button', title: open ? 'collapse' : 'expand', onclick: () => { open ? collapsed.add(key) : collapsed.delete(key); rerender(); } }, open ? '▾' : '▸')
    : h('span', { class: 'toggle' }, '');
  return h('div', { class: ['node', `role-${role}`], dataset: { node: key, state } },
    h('div', { class: 'line' }, toggle, line),
    h('div', { class: 'children', hidden: !open }, kids),
  );
}

function lastKnownActors(st, hostId, shown, t) {
  return st.actors
    .filter((a) => a.hostId === hostId && !shown.has(a.key))
    .map((a) => {
      shown.add(a.key);
      return h('div', { class: 'node role-actor', dataset: { node: `actor:${a.key}`, state: a.state } }, h('div', { class: 'line' }, h('span', { class: 'toggle' }), actorLine(a, t)));
    });
}

function fromNode(n) {
  return { hostId: n.id, kind: n.kind, managed: n.kind === 'host-process', state: n.state, pid: n.pid, restarts: n.restarts, runningSince: n.runningSince, backoffDeadline: n.backoffDeadline, lastError: n.lastError, memory: n.memory, stale: false };
}

function groupLine(n, t) {
  return h('span', { class: 'facts' },
    h('span', { class: 'name' }, n.id),
    h('span', { class: 'kind' }, n.role === 'supervisor' ? `${n.kind} · ${n.strategy}` : n.kind),
    badge(n.state),
    n.pid ? fact('pid', n.pid) : null,
    n.runningSince ? fact('up', uptime(n, t)) : null,
    n.intensity !== undefined ? fact('restarts', fmtRestarts(n)) : null,
    n.backoffDeadline ? h('span', { class: 'backoff' }, fmtBackoff(n.backoffDeadline, t)) : null,
    n.lastError ? h('span', { class: 'error', title: n.lastError }, short(n.lastError, 90)) : null,
  );
}

export function hostLine(x, t, note) {
  const trail = eventsOf(x.hostId, x.hostId).filter((e) => e.to).slice(0, 6).reverse();
  const hb = x.lastHeartbeatAt ? t - x.lastHeartbeatAt : undefined;
  return h('span', { class: 'facts' },
    h('a', { class: 'name', href: `#/host/${encodeURIComponent(x.hostId)}` }, x.hostId),
    h('span', { class: 'kind' }, x.managed ? 'host process' : 'in-process host'),
    badge(x.state, x.stale),
    x.pid ? fact('pid', x.pid) : null,
    x.runningSince && x.state === 'running' ? fact('up', uptime(x, t)) : null,
    fact('restarts', fmtRestarts(x)),
    x.memory ? fact('rss', fmtBytes(x.memory.rss)) : null,
    hb !== undefined ? h('span', { class: ['fact', hb > 3000 && 'late'] }, `heartbeat ${fmtDuration(hb)} ago`) : null,
    x.backoffDeadline && x.state === 'backoff' ? h('span', { class: 'backoff' }, fmtBackoff(x.backoffDeadline, t)) : null,
    x.lastError ? h('span', { class: 'error', title: x.lastError }, `last error: ${short(x.lastError, 80)}`) : null,
    trail.length ? h('span', { class: 'trail', title: 'recent transitions' }, [trail[0].from, ...trail.map((e) => e.to)].join(' → ')) : null,
    note ? h('span', { class: 'note' }, note) : null,
    x.managed ? hostActions(x) : null,
  );
}

function hostActions(x) {
  const t = { hostId: x.hostId };
  const down = x.stale || x.state === 'stopped' || x.state === 'unknown';
  return h('span', { class: 'actions' },
    down ? actionButton('start-host', t, 'Start') : actionButton('stop-host', t, 'Stop'),
    down ? null : actionButton('kill-host', t, 'Kill'),
  );
}

export function actorLine(a, t) {
  const c = a.counters || {};
  return h('span', { class: 'facts' },
    h('a', { class: 'name', href: `#/actor/${encodeURIComponent(a.hostId)}/${encodeURIComponent(a.id)}` }, a.id),
    h('span', { class: 'kind' }, a.kind),
    badge(a.state, a.stale, a.staleReason),
    a.runningSince && a.state === 'running' ? fact('up', uptime(a, t)) : null,
    fact('restarts', fmtRestarts(a)),
    c.mailbox ? fact('mailbox', c.mailbox) : null,
    c.stashed ? fact('stashed', c.stashed) : null,
    a.backoffDeadline && a.state === 'backoff' ? h('span', { class: 'backoff' }, fmtBackoff(a.backoffDeadline, t)) : null,
    a.lastError ? h('span', { class: 'error', title: a.lastError }, `last error: ${short(a.lastError, 80)}`) : null,
    a.stale && a.staleReason ? h('span', { class: 'note' }, a.staleReason) : null,
    actorActions(a),
  );
}

export function actorActions(a) {
  const t = { hostId: a.hostId, actorId: a.id };
  return h('span', { class: 'actions' }, actionButton('stop-actor', t, 'Stop'), actionButton('restart-actor', t, 'Restart'), actionButton('kill-actor', t, 'Kill'));
}

function fact(label, value) {
  return h('span', { class: 'fact' }, h('span', { class: 'label' }, label), ' ', String(value));
}
