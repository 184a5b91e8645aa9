// The panel a click on a device opens: its state in words, its recent readings as a chart with its set-points or
// stages, its active alarms and latest events, a camera's live view, and what the signed-in role may do with it.
import { t, timeOf } from './i18n.js';
import { getJson } from './api.js';
import { deviceLook } from './devices.js';
import { readingChart } from './chart.js';
import { liveView } from './liveview.js';
import { phraseText } from './names.js';

const limitColours = { low: '#f5a524', high: '#e5484d' };

// The metric a kind's chart shows and the set-points drawn on it.
function chartOf(device) {
  switch (device.kind) {
    case 'gasSensor': {
      const g = device.gasSensor || {};
      return { metric: 'concentration', unit: g.unit, label: `${g.gas || ''} ${t('panel.concentration', 'concentration')}`,
        limits: [['Low', g.low, limitColours.low], ['High', g.high, limitColours.high]] };
    }
    case 'floodSensor': {
      const f = device.floodSensor || {};
      return { metric: 'waterLevel', unit: 'm', label: t('panel.waterLevel', 'water level'),
        limits: [['Alert', f.alertLevel, limitColours.low], ['Danger', f.dangerLevel, limitColours.high]] };
    }
    case 'weatherStation':
      return { metric: 'windSpeed', unit: 'm/s', label: t('panel.windSpeed', 'wind speed'), limits: [] };
    default:
      return null;
  }
}

function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter(c => c != null));
  return node;
}

export function createDevicePanel(container, { user, actions = () => [] }) {
  let current = null;
  let version = 0;
  let lastSaid = null;
  let saying = null; // the shown panel's line for it

  // What the last action on the shown device said (an answer to an earlier device's action is not shown).
  function showSaid() {
    if (!saying) return;
    const mine = lastSaid?.id === current;
    saying.textContent = mine ? lastSaid.text : '';
    saying.classList.toggle('error', mine && lastSaid.error);
  }

  async function render(id, status) {
    const mine = ++version;
    const device = await getJson(`/api/devices/${encodeURIComponent(id)}`);
    const chart = chartOf(device);
    const [readings, events] = await Promise.all([
      chart ? getJson(`/api/devices/${encodeURIComponent(id)}/readings?metric=${chart.metric}&max=60`) : [],
      getJson(`/api/devices/${encodeURIComponent(id)}/events?max=5`),
    ]);
    if (mine !== version || current !== id) return;
    const look = deviceLook(device, status ?? { connectivity: device.connectivity, lastSeen: device.lastSeen, live: device.live,
      activeAlarms: device.activeAlarms.map(a => a.condition) });
    const close = element('button', { type: 'button', className: 'close', textContent: '×', title: t('panel.close', 'Close') });
    close.setAttribute('aria-label', t('panel.close', 'Close'));
    close.addEventListener('click', hide);
    const body = [
      element('header', {}, element('h2', { textContent: device.name }), close),
      element('p', { className: 'meta muted', textContent: `${t('kind.' + device.kind, device.kind)} · ${device.id} · ${device.district} / ${device.zone}` }),
      element('p', { className: `state ${look.level}` }, element('span', { className: 'swatch', style: `background:${look.colour}` }),
        ` ${look.text} · ${t('connectivity.' + device.connectivity, device.connectivity)}` +
        (device.lastSeen ? ` · ${t('panel.lastSeen', 'last seen')} ${timeOf(device.lastSeen)}` : '')),
    ];
    if (device.activeAlarms.length) {
      body.push(element('h3', { textContent: t('panel.alarms', 'Active alarms') }),
        element('ul', { className: 'alarms' }, ...device.activeAlarms.map(a =>
          element('li', { title: a.condition, textContent: `${phraseText(a.text, a.message)} (${t('panel.since', 'since')} ${timeOf(a.since)})` }))));
    }
    if (chart) {
      const limits = chart.limits.filter(([, value]) => value != null).map(([label, value, colour]) => ({ label, value, colour }));
      body.push(element('h3', { textContent: `${chart.label} (${readings.length})` }),
        readingChart(readings, { unit: chart.unit, limits, label: chart.label }));
    }
    const latest = Object.values(device.latestReadings || {});
    if (latest.length) {
      body.push(element('h3', { textContent: t('panel.latest', 'Latest readings') }),
        element('dl', { className: 'latest' }, ...latest.flatMap(r => [element('dt', { textContent: r.metric }), element('dd', { textContent: `${r.value} ${r.unit}` })])));
    }
    if (device.kind === 'camera') {
      body.push(element('h3', { textContent: t('panel.live', 'Live view') }),
        liveView(device, { noneText: t('panel.noLive', 'no live view (no pipeline runs for this camera)'), retryMs: 5000 }));
    }
    if (events.length) {
      body.push(element('h3', { textContent: t('panel.events', 'Recent events') }),
        element('ul', { className: 'events' }, ...events.slice().reverse().map(e =>
          element('li', { textContent: `${timeOf(e.at)} ${t(`event.${e.type}`, e.type)}${e.detail ? ": " + phraseText(e.said ?? e.alarm?.text, e.detail) : ""}` }))));
    }
    // An action may answer in words (what was sent) or fail with the server's reason: both are said under the buttons,
    // and stay said while the panel redraws for the device's live changes (which the action itself usually causes).
    const said = element('p', { className: 'action-result', role: 'status' });
    saying = said;
    showSaid();
    const buttons = actions(device, user).map(({ label, run, href }) => href
      ? element('a', { className: 'button', href, textContent: label })
      : Object.assign(element('button', { type: 'button', textContent: label }), {
        onclick: async () => {
          try {
            lastSaid = { id, text: (await run(device)) ?? '', error: false };
          } catch (error) {
            lastSaid = { id, text: error instanceof Error ? error.message : String(error), error: true };
          }
          showSaid();
        },
      }));
    if (buttons.length) body.push(element('p', { className: 'actions' }, ...buttons), said);
    container.replaceChildren(...body);
    container.hidden = false;
  }

  function hide() {
    current = null;
    version++;
    container.hidden = true;
    container.replaceChildren();
  }

  return {
    open: (id, status) => { current = id; lastSaid = null; return render(id, status); },
    // A live change of the shown device redraws the panel (its state, alarms, chart).
    changed: (id, status) => (current === id ? render(id, status) : Promise.resolve()),
    hide,
    get current() { return current; },
  };
}
