// Actions from the page: every button asks for confirmation in a modal dialog, then POSTs
// {action, hostId, actorId?, confirm: true} to /api/actions and shows the outcome (or the typed
// error the server answered) as a toast. The effect itself is seen in the live views.

import { h } from './dom.js';

const WHAT = {
  'stop-actor': (t) => [`Stop actor ${t.actorId} on ${t.hostId}?`, 'Its stop hook runs and it is forgotten by its host: it is not started again, even after a host restart.'],
  'restart-actor': (t) => [`Restart actor ${t.actorId} on ${t.hostId}?`, 'It is stopped cleanly and started again; it recovers its durable state. This counts against its supervisor\'s restart intensity.'],
  'kill-actor': (t) => [`Kill actor ${t.actorId} on ${t.hostId}?`, 'It crashes as a real failure would: no stop hook, its supervisor restarts it after a backoff.'],
  'stop-host': (t) => [`Stop host process ${t.hostId}?`, 'Its actors stop cleanly, the process exits and the orchestrator forgets it until you start it again.'],
  'start-host': (t) => [`Start host process ${t.hostId}?`, 'The orchestrator starts the process; it starts the actors it has recorded.'],
  'kill-host': (t) => [`Kill host process ${t.hostId}?`, 'The orchestrator sends it SIGKILL, exactly like a crash; its supervisor restarts it after a backoff and its actors recover.'],
};

/** A button that asks to confirm `action` on `target` ({hostId, actorId?}). */
export function actionButton(action, target, label) {
  return h('button', {
    class: ['action', action.startsWith('kill') && 'danger'],
    type: 'button',
    dataset: { action, host: target.hostId, ...(target.actorId ? { actor: target.actorId } : {}) },
    onclick: (e) => {
      e.stopPropagation();
      confirmAction(action, target);
    },
  }, label);
}

/** Opens the confirmation dialog; on confirm, performs the action. */
export function confirmAction(action, target) {
  const dialog = document.getElementById('confirm');
  const [title, text] = WHAT[action](target);
  dialog.querySelector('.title').textContent = title;
  dialog.querySelector('.text').textContent = text;
  dialog.dataset.action = action;
  const yes = dialog.querySelector('[data-confirm="yes"]');
  const no = dialog.querySelector('[data-confirm="no"]');
  const close = () => {
    yes.onclick = null;
    no.onclick = null;
    dialog.close();
  };
  no.onclick = close;
  yes.onclick = () => {
    close();
    void perform(action, target);
  };
  dialog.showModal();
  no.focus();
}

async function perform(action, target) {
  try {
    const res = await fetch('/api/actions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ action, hostId: target.hostId, ...(target.actorId ? { actorId: target.actorId } : {}), confirm: true }),
    });
    const body = await res.json().catch(() => ({ code: 'Unreadable', message: `HTTP ${res.status}` }));
    if (res.ok) toast(`${body.detail}`, 'ok', action);
    else toast(`${action} failed: ${body.code}: ${body.message}`, 'error', action);
  } catch (err) {
    toast(`${action} failed: the inspector server did not answer (${err.message})`, 'error', action);
  }
}

/** Shows a message for a few seconds. */
export function toast(message, kind = 'ok', action = '') {
  const box = document.getElementById('toasts');
  const el = h('div', { class: ['toast', kind], role: 'status', dataset: { action, kind } }, message);
  box.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 12_000 : 6_000);
}
