// The alarm and incident queue: a snapshot, then numbered batches from the control-room hub; open incidents sorted by
// priority and age; acknowledge with a click or the keyboard.
import { t, timeOf, minutesOf } from './core/i18n.js';
import { facts } from './core/api.js';
import { startPage } from './core/layout.js';
import { connectLive, showConnection } from './core/live.js';
import { act, shelveAll } from './core/incidentactions.js';
import { statusName, agencyNames, titleOf } from './core/names.js';

let terminal = new Set();
const state = { incidents: new Map(), selected: null, districts: [] };
const rows = document.querySelector('#queue tbody');

function showMessage(text) {
  const message = document.getElementById('message');
  message.textContent = text;
  message.hidden = !text;
}

// Shelved until a time still to come (a shelf that ran out without a new trigger shows as not shelved).
const shelved = incident => !!incident.shelvedUntil && Date.parse(incident.shelvedUntil) > Date.now();

function sorted() {
  return [...state.incidents.values()]
    .filter(i => !terminal.has(i.status))
    // Shelved incidents go below the others (ISA-18.2: kept from the operator's attention, not from view).
    .sort((a, b) => Number(shelved(a)) - Number(shelved(b)) || a.priority.localeCompare(b.priority) || a.openedAt.localeCompare(b.openedAt));
}

function render() {
  const list = sorted();
  if (state.selected && !list.some(i => i.id === state.selected)) {
    state.selected = null;
  }
  rows.replaceChildren(...list.map(incident => {
    const row = document.createElement('tr');
    row.dataset.id = incident.id;
    row.tabIndex = 0;
    row.className = [incident.id === state.selected ? 'selected' : '', shelved(incident) ? 'shelved' : ''].join(' ').trim();
    row.innerHTML = `
      <td><span class="priority ${incident.priority}">${incident.priority}</span></td>
      <td class="title"></td>
      <td class="status">${statusName(incident.status)}${shelved(incident)
        ? ` · <span class="shelved-until">${t('queue.shelvedUntil', 'shelved until')} ${minutesOf(incident.shelvedUntil)}</span>` : ''}</td>
      <td>${agencyNames(incident.agencies)}</td>
      <td>${incident.alarmCount}</td>
      <td>${timeOf(incident.openedAt)}</td>
      <td><button type="button" class="ack" ${incident.status === 'new' ? '' : 'disabled'}>${t('action.acknowledge', 'Acknowledge')}</button>
        <button type="button" class="shelve">${t('action.shelve', 'Shelve 15 min')}</button></td>`;
    const link = document.createElement('a');
    link.href = `/incidents/${encodeURIComponent(incident.id)}`;
    link.textContent = titleOf(incident);
    row.querySelector('.title').append(link);
    row.addEventListener('click', () => select(incident.id));
    row.querySelector('.ack').addEventListener('click', event => { event.stopPropagation(); acknowledge(incident.id); });
    row.querySelector('.shelve').addEventListener('click', event => { event.stopPropagation(); shelve(incident.id); });
    return row;
  }));
  document.getElementById('empty').hidden = list.length > 0;
  const counts = {};
  for (const incident of list) {
    counts[incident.status] = (counts[incident.status] || 0) + 1;
  }
  document.getElementById('counts').replaceChildren(...Object.entries(counts).map(([status, count]) => {
    const span = document.createElement('span');
    span.textContent = `${statusName(status)}: ${count}`;
    return span;
  }));
}

function select(id) {
  state.selected = id;
  render();
}

function move(step) {
  const list = sorted();
  if (list.length === 0) {
    return;
  }
  const index = list.findIndex(i => i.id === state.selected);
  const next = index < 0 ? 0 : Math.min(list.length - 1, Math.max(0, index + step));
  select(list[next].id);
}

async function acknowledge(id) {
  const { detail, error } = await act(id, 'acknowledge');
  showMessage(error ?? '');
  if (detail) {
    state.incidents.set(detail.summary.id, detail.summary);
    render();
  }
}

// Timed shelving (ISA-18.2): the incident's alarms that still annunciate are kept from the queue for a while, with the
// operator's reason; a shelved alarm that triggers again after that comes back.
async function shelve(id) {
  const reason = document.getElementById('shelve-reason').value.trim();
  if (!reason) {
    showMessage(t('queue.shelveReason', 'Give a reason to shelve (e.g. known maintenance) first.'));
    document.getElementById('shelve-reason').focus();
    return;
  }
  const result = await shelveAll(id, reason, 15);
  showMessage(result.error ?? `${result.shelved} alarm(s) of ${result.title} shelved for 15 minutes.`);
}

// The console's alarm load over the last ten minutes (ISA-18.2: more than 10 is a flood), for the districts it watches.
async function refreshRate() {
  if (state.districts.length === 0) {
    return;
  }
  const query = state.districts.map(d => 'district=' + encodeURIComponent(d)).join('&');
  const response = await fetch('/api/alarm-rates?' + query);
  if (!response.ok) {
    return;
  }
  const rate = await response.json();
  const mix = Object.entries(rate.byPriority).filter(([, n]) => n > 0).map(([p, n]) => `${p} ${n}`).join(', ');
  const element = document.getElementById('rate');
  element.textContent = `${t('queue.rate', 'Alarm rate')}: ${rate.annunciated} / 10 min${mix ? ' (' + mix + ')' : ''}${rate.flood ? ' · FLOOD' : ''}`;
  element.className = 'rate ' + (rate.flood ? 'flood' : 'ok');
}

document.addEventListener('keydown', event => {
  if (event.target instanceof HTMLInputElement || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  if (event.key === 'j' || event.key === 'n') {
    move(1);
  } else if (event.key === 'k') {
    move(-1);
  } else if (event.key === 'a' && state.selected) {
    acknowledge(state.selected);
  } else if (event.key === 's' && state.selected) {
    shelve(state.selected);
  }
});

(async () => {
  await startPage();
  terminal = new Set((await facts()).terminalStatuses);
  await connectLive({
    onSnapshot: snapshot => {
      state.incidents = new Map(snapshot.incidents.map(i => [i.id, i]));
      state.districts = [...new Set(snapshot.devices.map(d => d.district))].sort();
      render();
      refreshRate();
    },
    onIncident: incident => { state.incidents.set(incident.id, incident); render(); },
    onDevice: event => { if (event.alarm) refreshRate(); },
  });
  setInterval(refreshRate, 15000);
  // Shelves run out on the clock: the rows are drawn again each half minute.
  setInterval(render, 30000);
})().catch(error => { showConnection('disconnected'); showMessage(String(error)); });
