// The traffic view: every signal with its mode and the phase now green, and congestion on each approach from its
// detectors' occupancy. The list is read once (and again after a dropped connection); from then on modes, phases,
// occupancy and connectivity arrive on the control-room hub as the signals report them.
import { t, timeOf } from './core/i18n.js';
import { startPage } from './core/layout.js';
import { connectLive, showConnection } from './core/live.js';
import { escapeHtml } from './core/html.js';

const signals = new Map();
const rows = document.querySelector('#signals tbody');
const select = document.getElementById('district');
const modeClass = { normal: 'normal', flash: 'warning', fault: 'alarm', preemption: 'preempt' };

function approachCell(approach) {
  const level = approach.congestion || 'unknown';
  const occupancy = approach.occupancyPercent == null ? '–' : `${approach.occupancyPercent}%`;
  return `<span class="approach ${level}" title="${approach.approach}: ${level}, occupancy ${occupancy}, ${approach.volume ?? '–'} veh">`
    + `${approach.approach} ${t('congestion.' + level, level)} ${occupancy}</span>`;
}

function render() {
  const district = select.value;
  const list = [...signals.values()].filter(s => !district || s.district === district)
    .sort((a, b) => a.district.localeCompare(b.district) || a.id.localeCompare(b.id));
  rows.replaceChildren(...list.map(signal => {
    const row = document.createElement('tr');
    row.dataset.id = signal.id;
    const offline = signal.connectivity === 'offline';
    const mode = offline ? 'offline' : (signal.mode || 'unknown');
    row.innerHTML = `<td class="name"></td><td>${escapeHtml(signal.district)}</td>`
      + `<td><span class="mode ${offline ? 'alarm' : (modeClass[mode] || 'muted')}">${t('mode.' + mode, mode)}</span></td>`
      + `<td class="phase">${signal.phase ?? '–'}</td>`
      + `<td class="approaches">${signal.approaches.map(approachCell).join(' ')}</td>`
      + `<td>${signal.lastSeen ? timeOf(signal.lastSeen) : '–'}</td>`;
    row.querySelector('.name').textContent = signal.name;
    return row;
  }));
  const faults = list.filter(s => s.connectivity === 'offline' || (s.mode && s.mode !== 'normal')).length;
  const jammed = list.filter(s => s.worstCongestion === 'heavy' || s.worstCongestion === 'jammed').length;
  document.getElementById('summary').textContent =
    `${list.length} ${t('traffic.signals', 'signals')} · ${faults} ${t('traffic.notNormal', 'not in normal operation')} · ${jammed} ${t('traffic.congested', 'with a heavy or jammed approach')}`;
}

// A signal's live traffic load as the server sends it: an object per approach that has reported, and the worst level.
function approachesOf(traffic) {
  return Object.entries(traffic || {})
    .filter(([, state]) => state && typeof state === 'object')
    .map(([approach, state]) => ({ approach: approach.toUpperCase(), ...state }));
}

async function refresh() {
  const response = await fetch('/api/traffic/signals');
  if (!response.ok) {
    return;
  }
  const list = await response.json();
  signals.clear();
  list.forEach(s => signals.set(s.id, s));
  const districts = [...new Set(list.map(s => s.district))].sort();
  districts.filter(d => ![...select.options].some(o => o.value === d)).forEach(d => select.append(new Option(d, d)));
  render();
}

select.addEventListener('change', render);

(async () => {
  await startPage();
  // The list is read on each snapshot: once when the channel is up, again after a dropped connection.
  await connectLive({
    onSnapshot: () => refresh(),
    onIncident: () => {},
    onDevice: event => {
      const signal = signals.get(event.deviceId);
      if (!signal || !event.live) {
        return;
      }
      signal.mode = event.live.signalMode ?? signal.mode;
      signal.phase = event.live.signalPhase ?? signal.phase;
      if (event.live.traffic) {
        signal.approaches = approachesOf(event.live.traffic);
        signal.worstCongestion = event.live.traffic.worst ?? signal.worstCongestion;
      }
      signal.connectivity = event.connectivity ?? signal.connectivity;
      if (event.type === 'stateChanged' || event.type === 'liveStateChanged') {
        signal.lastSeen = event.at;
      }
      render();
    },
  });
})().catch(error => showConnection('disconnected: ' + error));
