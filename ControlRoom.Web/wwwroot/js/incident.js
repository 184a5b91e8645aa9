// One incident for after-action review and work in progress, kept live from the control-room hub: the actions the
// signed-in role may take now (by the lifecycle), procedure (steps can be ticked), alarms with their ISA-18.2 states,
// evidence, nearest cameras, the audit timeline, and the CAP 1.2 message.
import { startPage } from './core/layout.js';
import { timelineText } from './core/timeline.js';
import { problemText, facts } from './core/api.js';
import { connectLive, showConnection } from './core/live.js';
import { act, shelveAll, nearestUnits, unitOptions } from './core/incidentactions.js';
import { t, timeOf, dateTimeOf } from './core/i18n.js';
import { liveView } from './core/liveview.js';
import { mediaFigure } from './core/evidence.js';
import { statusName, agencyNames, titleOf, stepText, phraseText } from './core/names.js';

const id = decodeURIComponent(location.pathname.split('/').pop());

function text(elementId, value) {
  document.getElementById(elementId).textContent = value;
}

function row(values) {
  const tr = document.createElement('tr');
  tr.replaceChildren(...values.map(v => { const td = document.createElement('td'); td.textContent = v; return td; }));
  return tr;
}

async function completeStep(step) {
  const { detail, error } = await act(id, 'complete-step', { step });
  showMessage(error ?? '');
  if (detail) render(detail);
}

// What the page knows to offer actions: the lifecycle's moves and who is signed in (set once the page starts).
const page = { transitions: {}, terminal: new Set(), user: null, unitsFor: null };

// Operators act on every incident; a dispatcher on their agency's, on the dispatch side only (close, cancel and
// shelving are the operator's); admins only watch. The server checks the same again.
function renderActions(detail) {
  const section = document.getElementById('incident-actions');
  const roles = page.user?.roles ?? [];
  const operator = roles.includes('Operator');
  const dispatcher = roles.includes('PoliceDispatcher') || roles.includes('FireDispatcher');
  section.hidden = !(operator || dispatcher);
  if (section.hidden) return;
  const status = detail.summary.status;
  const allowed = page.transitions[status] || [];
  section.querySelectorAll('[data-to]').forEach(button => {
    button.hidden = button.dataset.operator !== undefined && !operator;
    button.disabled = !allowed.includes(button.dataset.to);
  });
  const ended = page.terminal.has(status);
  section.querySelector('[data-action=note]').disabled = ended;
  const shelve = document.getElementById('shelve');
  shelve.hidden = !operator;
  shelve.disabled = ended || !detail.alarms.some(a => a.state !== 'shelved' && a.state !== 'normal');
  if (allowed.includes('dispatched') && page.unitsFor !== status) {
    page.unitsFor = status;
    nearestUnits(detail.summary).then(offers => {
      document.getElementById('units').replaceChildren(...unitOptions(offers));
      document.getElementById('unit-input').placeholder = offers.length
        ? `${offers[0].unit.name} · ${(offers[0].meters / 1000).toFixed(1)} km` : t('route.unit', 'Unit');
    }).catch(() => {});
  }
}

async function onAction(action) {
  const reason = document.getElementById('reason-input');
  const body = {};
  if (action === 'dispatch') body.unit = document.getElementById('unit-input').value.trim() || undefined;
  // A note, a cancellation and a false alarm say why: the reason goes on the timeline.
  if (['note', 'cancel', 'false-alarm'].includes(action)) {
    if (!reason.value.trim()) {
      showMessage(t('incident.reasonFirst', 'Give a reason first (it goes on the timeline).'));
      reason.focus();
      return;
    }
    body.text = reason.value.trim();
  }
  const { detail, error } = await act(id, action, body);
  showMessage(error ?? '');
  if (detail) {
    reason.value = '';
    render(detail);
  }
}

async function onShelve() {
  const reason = document.getElementById('reason-input');
  if (!reason.value.trim()) {
    showMessage(t('incident.reasonFirst', 'Give a reason first (it goes on the timeline).'));
    reason.focus();
    return;
  }
  const result = await shelveAll(id, reason.value.trim(), 15);
  showMessage(result.error ?? '');
  if (!result.error) {
    reason.value = '';
    await reload();
  }
}

document.querySelectorAll('#incident-actions [data-action]').forEach(button => button.addEventListener('click', () => onAction(button.dataset.action)));
document.getElementById('shelve').addEventListener('click', () => onShelve());

// Another console's action, a new alarm, a hazard step: the page fetches the incident again (only the newest answer draws).
let loads = 0;
async function reload() {
  const mine = ++loads;
  const response = await fetch(`/api/incidents/${encodeURIComponent(id)}`);
  if (!response.ok || mine !== loads) return;
  render(await response.json());
}

function render(detail) {
  const s = detail.summary;
  document.title = `CityControl · ${titleOf(s)}`;
  text('title', titleOf(s));
  const priority = document.getElementById('priority');
  priority.textContent = s.priority;
  priority.className = `priority ${s.priority}`;
  text('status', statusName(s.status));
  text('agencies', agencyNames(s.agencies));
  text('unit', detail.assignedUnit || t('incident.noUnit', 'none'));
  renderActions(detail);
  text('description', phraseText(detail.descriptionText, detail.description));
  document.getElementById('cap').href = `/api/incidents/${encodeURIComponent(id)}/cap`;
  document.getElementById('procedure').replaceChildren(...detail.procedure.map(step => {
    const item = document.createElement('li');
    item.textContent = stepText(s.type, step) + ' ';
    if (step.doneBy) {
      item.append(`(done by ${step.doneBy})`);
    } else {
      const button = document.createElement('button');
      button.textContent = t('incident.done', 'Done');
      button.addEventListener('click', () => completeStep(step.number));
      item.append(button);
    }
    return item;
  }));
  document.querySelector('#alarms tbody').replaceChildren(...detail.alarms.map(a =>
    row([a.deviceId, t(`condition.${a.condition}`, a.condition), t(`alarmState.${a.state}`, a.state), a.active ? t('common.yes', 'yes') : t('common.no', 'no'), a.triggers, timeOf(a.lastAt)])));
  const none = detail.evidence.length || detail.media.length ? [] : [t('incident.noneYet', 'none yet')];
  document.getElementById('evidence').replaceChildren(...[...detail.evidence, ...none].map(link => {
    const item = document.createElement('li');
    if (link.startsWith('http')) {
      const a = document.createElement('a');
      a.href = link;
      a.textContent = link;
      item.append(a);
    } else {
      item.textContent = link;
    }
    return item;
  }));
  // Camera evidence comes through the platform, which checks each piece against the SHA-256 recorded with the alarm.
  // Each piece keeps its element across live updates (a clip playing goes on playing).
  document.getElementById('media').replaceChildren(...detail.media.map((m, index) => {
    const key = `${index}:${m.item.sha256 ?? ''}:${m.item.uri ? 1 : 0}`;
    if (!mediaShown.has(key)) mediaShown.set(key, mediaFigure(id, m, index));
    return mediaShown.get(key);
  }));
  showCarPark(s).catch(() => {});
  document.getElementById('timeline').replaceChildren(...detail.timeline.map(entry => {
    const item = document.createElement('li');
    item.textContent = timelineText(entry, dateTimeOf(entry.at));
    return item;
  }));
}

const mediaShown = new Map();

// A flood incident's car park: how many vehicles its entrance cameras counted inside, and an operator's number after
// a look (counting goes on from it). Hidden when the zone has no registered car park.
async function showCarPark(summary) {
  const section = document.getElementById('car-park');
  if (summary.type !== 'flood') return;
  const address = `/api/car-parks/${encodeURIComponent(summary.district)}/${encodeURIComponent(summary.zone)}/occupancy`;
  const response = await fetch(address);
  if (response.status === 404 || response.status === 403) return;
  section.hidden = false;
  const roles = page.user?.roles ?? [];
  document.getElementById('car-park-form').hidden = !(roles.includes('Operator') || roles.includes('Admin'));
  const o = response.status === 200 ? await response.json() : null;
  text('car-park-count', o
    ? t('carPark.count', '{parked} vehicles inside by the entrance count ({in} in, {out} out since {since}, from {by})')
      .replace('{parked}', o.parked).replace('{in}', o.in).replace('{out}', o.out)
      .replace('{since}', dateTimeOf(o.since)).replace('{by}', o.setBy)
    : t('carPark.unknown', 'No vehicle counted yet and nobody has set the number: check the car park by eye.'));
  const form = document.getElementById('car-park-form');
  form.onsubmit = async event => {
    event.preventDefault();
    const parked = Number(document.getElementById('car-park-parked').value);
    const put = await fetch(address, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ parked }) });
    showMessage(put.ok ? '' : problemText(await put.json().catch(() => ({})), put.status));
    if (put.ok) await showCarPark(summary);
  };
}

function showMessage(value) {
  const message = document.getElementById('message');
  message.textContent = value;
  message.hidden = !value;
}

// Grants of the nearest cameras to police and fire (operators and admins): who may see what, until when.
async function showGrants(cameras, agencies) {
  const purposesOf = Object.fromEntries(cameras.map(c => [c.id, c.purposes]));
  const camera = document.getElementById('g-camera');
  camera.replaceChildren(...cameras.map(c => new Option(c.name, c.id)));
  const agency = document.getElementById('g-agency');
  agency.replaceChildren(...agencies.map(a => new Option(t(`agency.${a}`, a), a)));
  const purpose = document.getElementById('g-purpose');
  const fillPurposes = () => purpose.replaceChildren(...(purposesOf[camera.value] ?? []).map(p => new Option(t(`purpose.${p}`, p), p)));
  camera.onchange = fillPurposes;
  fillPurposes();
  const rows = [];
  for (const c of cameras) {
    const response = await fetch(`/api/cameras/${encodeURIComponent(c.id)}/grants`);
    if (!response.ok) {
      continue;
    }
    const access = await response.json();
    for (const g of access.grants.filter(g => !g.revokedAt && new Date(g.until) > new Date())) {
      const revoke = document.createElement('button');
      revoke.type = 'button';
      revoke.textContent = t('grant.revoke', 'End');
      revoke.addEventListener('click', async () => {
        const ended = await fetch(`/api/cameras/${encodeURIComponent(c.id)}/grants/${encodeURIComponent(g.id)}`, { method: 'DELETE' });
        showMessage(ended.ok ? '' : problemText(await ended.json().catch(() => ({})), ended.status));
        await showGrants(cameras, agencies);
      });
      const tr = row([c.name, t(`agency.${g.agency}`, g.agency), t(`purpose.${g.purpose}`, g.purpose), dateTimeOf(g.until),
        g.grantedBy === 'system' ? t('grant.byIncident', 'this incident') : g.grantedBy, '']);
      tr.title = g.reason;
      tr.lastChild.append(revoke);
      rows.push(tr);
    }
  }
  document.querySelector('#grants tbody').replaceChildren(...rows);
}

(async () => {
  const user = await startPage();
  document.getElementById('reason-input').placeholder = t('incident.reason', 'Reason or note');
  const known = await facts();
  Object.assign(page, { user, transitions: known.incidentTransitions, terminal: new Set(known.terminalStatuses) });
  const response = await fetch(`/api/incidents/${encodeURIComponent(id)}`);
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.title || `HTTP ${response.status}`);
  }
  const detail = await response.json();
  render(detail);
  connectLive({
    onSnapshot: () => { reload().catch(() => {}); },
    onIncident: incident => { if (incident.id === id) reload().catch(() => {}); },
  }).catch(error => showConnection('disconnected: ' + error));
  const cameras = await (await fetch(`/api/incidents/${encodeURIComponent(id)}/nearest-cameras`)).json();
  document.querySelector('#cameras tbody').replaceChildren(...cameras.map(c => {
    const tr = row([c.name, `${c.distanceMeters} m`, `${c.bearingDegrees}°`, '']);
    if (!c.access) {
      tr.lastChild.textContent = t('incident.noAccess', 'no access to this camera: ask the control centre for a grant');
      tr.lastChild.title = c.accessRefusal ?? '';
      tr.lastChild.className = 'muted';
    } else if (c.liveView) {
      tr.lastChild.append(liveView(c));
    } else {
      tr.lastChild.textContent = t('incident.noLiveView', 'none');
      tr.lastChild.className = 'muted';
    }
    return tr;
  }));
  const grantable = detail.summary.agencies.filter(a => a === 'police' || a === 'fire');
  if ((user.roles.includes('Operator') || user.roles.includes('Admin')) && grantable.length > 0 && cameras.length > 0) {
    document.getElementById('video-access').hidden = false;
    document.getElementById('grant-form').addEventListener('submit', async event => {
      event.preventDefault();
      const camera = document.getElementById('g-camera').value;
      const granted = await fetch(`/api/cameras/${encodeURIComponent(camera)}/grants`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          agency: document.getElementById('g-agency').value, purpose: document.getElementById('g-purpose').value,
          minutes: Number(document.getElementById('g-minutes').value), reason: document.getElementById('g-reason').value, incidentId: id,
        }),
      });
      showMessage(granted.ok ? '' : problemText(await granted.json().catch(() => ({})), granted.status));
      if (granted.ok) {
        document.getElementById('g-reason').value = '';
      }
      await showGrants(cameras, grantable);
    });
    await showGrants(cameras, grantable);
  }
})().catch(error => {
  const message = document.getElementById('message');
  message.textContent = String(error.message || error);
  message.hidden = false;
});
