// The traffic view: every signal with its mode and the phase now green, and congestion on each approach from its
// detectors' occupancy. Modes (flash, fault, preemption) and connectivity change live from the control-room hub; phases
// and occupancy are read every two seconds, as fast as controllers report them.
'use strict';

const signals = new Map();
const rows = document.querySelector('#signals tbody');
const select = document.getElementById('district');
const modeClass = { normal: 'normal', flash: 'warning', fault: 'alarm', preemption: 'preempt' };

function approachCell(approach) {
  const level = approach.congestion || 'unknown';
  const occupancy = approach.occupancyPercent == null ? '–' : `${approach.occupancyPercent}%`;
  return `<span class="approach ${level}" title="${approach.approach}: ${level}, occupancy ${occupancy}, ${approach.volume ?? '–'} veh">`
    + `${approach.approach} ${i18n.t('congestion.' + level, level)} ${occupancy}</span>`;
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
    row.innerHTML = `<td class="name"></td><td>${signal.district}</td>`
      + `<td><span class="mode ${offline ? 'alarm' : (modeClass[mode] || 'muted')}">${i18n.t('mode.' + mode, mode)}</span></td>`
      + `<td class="phase">${signal.phase ?? '–'}</td>`
      + `<td class="approaches">${signal.approaches.map(approachCell).join(' ')}</td>`
      + `<td>${signal.lastSeen ? new Date(signal.lastSeen).toLocaleTimeString() : '–'}</td>`;
    row.querySelector('.name').textContent = signal.name;
    return row;
  }));
  const faults = list.filter(s => s.connectivity === 'offline' || (s.mode && s.mode !== 'normal')).length;
  const jammed = list.filter(s => s.worstCongestion === 'heavy' || s.worstCongestion === 'jammed').length;
  document.getElementById('summary').textContent =
    `${list.length} ${i18n.t('traffic.signals', 'signals')} · ${faults} ${i18n.t('traffic.notNormal', 'not in normal operation')} · ${jammed} ${i18n.t('traffic.congested', 'with a heavy or jammed approach')}`;
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
  await i18n.ready;
  const me = await (await fetch('/api/me')).json();
  document.getElementById('who').textContent = `${me.displayName} (${me.roles.join(', ')})`;
  await refresh();
  setInterval(() => refresh().catch(() => showConnection('disconnected')), 2000);
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
      signal.connectivity = event.connectivity ?? signal.connectivity;
      render();
    },
  });
})().catch(error => showConnection('disconnected: ' + error));
