// Device administration: bulk import with a per-row report, adding and editing one device, the device table, credential
// rotation, decommissioning.
import { t, dateTimeOf } from './core/i18n.js';
import { startPage } from './core/layout.js';
import { problemText } from './core/api.js';
import { createZoneEditor } from './core/zoneeditor.js';
import { drawBasemap } from './core/basemap.js';

function message(text) {
  const element = document.getElementById('message');
  element.textContent = text;
  element.hidden = !text;
}

function cells(row, values) {
  row.replaceChildren(...values.map(value => {
    const cell = document.createElement('td');
    if (value instanceof Node) {
      cell.append(value);
    } else {
      cell.textContent = value ?? '';
    }
    return cell;
  }));
  return row;
}

async function problem(response) {
  return problemText(await response.json().catch(() => null), response.status);
}

async function importFile() {
  const file = document.getElementById('file').files[0];
  if (!file) {
    message('Choose a CSV or GeoJSON file first.');
    return;
  }
  const type = file.name.toLowerCase().endsWith('.csv') ? 'text/csv' : 'application/geo+json';
  const query = new URLSearchParams({ dryRun: document.getElementById('dry-run').checked, atomic: document.getElementById('atomic').checked });
  const response = await fetch(`/api/devices/import?${query}`, { method: 'POST', headers: { 'Content-Type': type }, body: await file.text() });
  if (!response.ok && response.status !== 422) {
    message(await problem(response));
    return;
  }
  message('');
  const report = await response.json();
  document.getElementById('report').hidden = false;
  document.getElementById('summary').textContent =
    `${report.dryRun ? 'Dry run: ' : ''}${report.accepted.length} of ${report.total} rows ${report.dryRun ? 'would be' : 'were'} onboarded; ${report.rejected.length} problem(s)` +
    (report.atomicRefused ? '; nothing was written (all or nothing).' : '.');
  document.querySelector('#rejected tbody').replaceChildren(...report.rejected.map(r => cells(document.createElement('tr'), [r.row, r.id, r.field, r.reason])));
  document.querySelector('#accepted tbody').replaceChildren(...report.accepted.map(a => {
    const secret = document.createElement('span');
    secret.className = 'secret';
    secret.textContent = a.secret ?? '';
    return cells(document.createElement('tr'), [a.row, a.id, a.username, secret]);
  }));
  await loadDevices();
}

async function loadDevices() {
  const query = new URLSearchParams();
  for (const name of ['kind', 'district', 'status']) {
    const value = document.getElementById(name).value;
    if (value) {
      query.set(name, value);
    }
  }
  const response = await fetch(`/api/devices?${query}`);
  if (!response.ok) {
    message(await problem(response));
    return;
  }
  const list = await response.json();
  document.querySelector('#devices tbody').replaceChildren(...list.items.map(device => {
    const rotate = document.createElement('button');
    rotate.textContent = t('admin.newCredential', 'New credential');
    rotate.disabled = device.status === 'decommissioned';
    rotate.addEventListener('click', () => rotateCredential(device.id));
    const retire = document.createElement('button');
    retire.textContent = t('admin.decommission', 'Decommission');
    retire.disabled = device.status === 'decommissioned';
    retire.addEventListener('click', () => decommission(device.id));
    const edit = document.createElement('button');
    edit.textContent = t('action.edit', 'Edit');
    edit.disabled = device.status === 'decommissioned';
    edit.addEventListener('click', () => editDevice(device.id).catch(e => message(String(e))));
    const buttons = document.createElement('span');
    buttons.append(edit, ' ', rotate, ' ', retire);
    if (device.kind === 'camera' && device.status !== 'decommissioned') {
      const zones = document.createElement('button');
      zones.textContent = t('zones.open', 'Zones');
      zones.className = 'zones';
      zones.addEventListener('click', () => zoneEditor.open(device).catch(e => message(String(e))));
      buttons.append(' ', zones);
    }
    const row = cells(document.createElement('tr'), [device.id, t(`kind.${device.kind}`, device.kind), device.name, device.district, device.zone, t(`lifecycle.${device.status}`, device.status), buttons]);
    row.dataset.id = device.id;
    return row;
  }));
}

// Device entities gateways announced that are no devices yet: onboarded with the form (filled from the
// announcement) or dismissed.
async function loadAnnounced() {
  const response = await fetch('/api/device-announcements');
  if (!response.ok) {
    message(await problem(response));
    return;
  }
  const announced = await response.json();
  const body = document.querySelector('#announced tbody');
  if (announced.length === 0) {
    const none = cells(document.createElement('tr'), [t('admin.noneAnnounced', 'none')]);
    none.firstChild.colSpan = 8;
    body.replaceChildren(none);
    return;
  }
  body.replaceChildren(...announced.map(a => {
    const onboard = document.createElement('button');
    onboard.textContent = t('admin.onboardAnnounced', 'Onboard…');
    onboard.addEventListener('click', () => {
      resetForm();
      field('id').value = a.id;
      field('name').value = a.name;
      field('district').value = a.district ?? '';
      document.getElementById('device-form').scrollIntoView();
      field('lat').focus();
    });
    const dismiss = document.createElement('button');
    dismiss.textContent = t('admin.dismiss', 'Dismiss');
    dismiss.addEventListener('click', async () => {
      const ended = await fetch(`/api/device-announcements/${encodeURIComponent(a.id)}`, { method: 'DELETE' });
      message(ended.ok ? '' : await problem(ended));
      await loadAnnounced();
    });
    const buttons = document.createElement('span');
    buttons.append(onboard, ' ', dismiss);
    const row = cells(document.createElement('tr'), [a.id, a.name, a.controlledProperties.join(', '), a.district ?? '', a.gateway,
      a.missing.map(m => m.split(':')[0]).join(', '), dateTimeOf(a.lastAt), buttons]);
    row.children[5].title = a.missing.join('\n');
    row.dataset.id = a.id;
    return row;
  }));
}

async function rotateCredential(id) {
  const response = await fetch(`/api/devices/${encodeURIComponent(id)}/credential`, { method: 'POST' });
  if (!response.ok) {
    message(await problem(response));
    return;
  }
  const credential = await response.json();
  const shown = document.getElementById('credential');
  shown.hidden = false;
  shown.textContent = `New credential for ${id}, shown once: user ${credential.username}, secret ${credential.secret}`;
}

async function decommission(id) {
  if (!confirm(`Decommission ${id}? It will take no more readings; its history is kept.`)) {
    return;
  }
  const response = await fetch(`/api/devices/${encodeURIComponent(id)}`, { method: 'DELETE' });
  if (!response.ok) {
    message(await problem(response));
    return;
  }
  await loadDevices();
}

// One device: the form adds a new device, or edits the one chosen in the table (its id and kind stay).
const form = { editing: null, phases: null };
const field = id => document.getElementById('f-' + id);
const number = id => field(id).value === '' ? null : Number(field(id).value);

function showKind() {
  document.querySelectorAll('#device-form fieldset[data-kind]').forEach(set => { set.hidden = set.dataset.kind !== field('kind').value; });
}

// The device's place picked on a map of the city (the offline basemap): a click fills latitude and longitude; typed
// coordinates move the marker.
const picker = { map: null, marker: null };
async function startPicker() {
  const map = L.map('f-map', { zoomSnap: 0.5, minZoom: 5, maxZoom: 19 }).setView([37.5, 126.93], 11);
  picker.map = map;
  const setup = await (await fetch('/api/map')).json();
  if (setup.tileUrl) L.tileLayer(setup.tileUrl, { attribution: setup.tileAttribution, maxZoom: 19 }).addTo(map);
  const basemap = await drawBasemap(map, setup.basemap);
  const city = basemap.cityBounds();
  if (city) map.fitBounds(city);
  map.on('click', event => {
    field('lat').value = event.latlng.lat.toFixed(6);
    field('lon').value = event.latlng.lng.toFixed(6);
    showPicked();
  });
}

function showPicked() {
  if (!picker.map) return;
  const lat = Number(field('lat').value), lon = Number(field('lon').value);
  const valid = field('lat').value !== '' && field('lon').value !== '' && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  picker.marker?.remove();
  picker.marker = valid ? L.circleMarker([lat, lon], { radius: 8, color: '#fff', weight: 2, fillColor: '#3e8ed0', fillOpacity: 1, className: 'picked' }).addTo(picker.map) : null;
}

function resetForm() {
  form.editing = null;
  form.phases = null;
  document.getElementById('device-form').reset();
  field('id').disabled = false;
  field('kind').disabled = false;
  field('status').disabled = true;
  document.getElementById('edit-title').textContent = t('admin.addTitle', 'Add a device');
  showKind();
  showFieldErrors({});
  showPicked();
}

async function editDevice(id) {
  const response = await fetch(`/api/devices/${encodeURIComponent(id)}`);
  if (!response.ok) {
    message(await problem(response));
    return;
  }
  const d = await response.json();
  resetForm();
  form.editing = d.id;
  form.phases = d.trafficSignal?.phases ?? null;
  const values = {
    id: d.id, kind: d.kind, name: d.name, lat: d.location.latitude, lon: d.location.longitude, district: d.district, zone: d.zone,
    heartbeat: d.heartbeatSeconds, status: d.status,
    stream: d.camera?.streamUrl, bearing: d.camera?.bearingDegrees, fov: d.camera?.fieldOfViewDegrees, range: d.camera?.rangeMeters,
    gas: d.gasSensor?.gas, unit: d.gasSensor?.unit, low: d.gasSensor?.low, high: d.gasSensor?.high, twa: d.gasSensor?.twa, stel: d.gasSensor?.stel,
    reference: d.floodSensor?.referenceLevel, alert: d.floodSensor?.alertLevel, danger: d.floodSensor?.dangerLevel,
    warningType: d.warningDevice?.type, warningRange: d.warningDevice?.rangeMeters,
    cycle: d.trafficSignal?.cycleSeconds, phases: d.trafficSignal?.phases.length, controller: d.trafficSignal?.controllerAddress,
  };
  Object.entries(values).forEach(([name, value]) => { field(name).value = value ?? ''; });
  field('owner').value = d.camera?.owner ?? 'city';
  const purposes = d.camera?.purposes ?? ['crimePrevention'];
  document.querySelectorAll('#f-purposes input').forEach(box => { box.checked = purposes.includes(box.value); });
  field('id').disabled = true;
  field('kind').disabled = true;
  field('status').disabled = false;
  document.getElementById('edit-title').textContent = `${t('action.edit', 'Edit')} ${d.id}`;
  showKind();
  showFieldErrors({});
  showPicked();
  picker.map?.setView([d.location.latitude, d.location.longitude], 16);
  field('name').focus();
}

function kindSettings(kind) {
  switch (kind) {
    case 'camera':
      return {
        camera: {
          streamUrl: field('stream').value || null, bearingDegrees: number('bearing'), fieldOfViewDegrees: number('fov'), rangeMeters: number('range'),
          owner: field('owner').value, purposes: [...document.querySelectorAll('#f-purposes input:checked')].map(box => box.value),
        },
      };
    case 'gasSensor':
      return { gasSensor: { gas: field('gas').value, unit: field('unit').value, low: number('low'), high: number('high'), twa: number('twa'), stel: number('stel') } };
    case 'floodSensor':
      return { floodSensor: { referenceLevel: number('reference'), alertLevel: number('alert'), dangerLevel: number('danger') } };
    case 'warningDevice':
      return { warningDevice: { type: field('warningType').value, rangeMeters: number('warningRange') } };
    case 'trafficSignal': {
      const count = number('phases') ?? 4;
      const phases = form.phases && form.phases.length === count ? form.phases
        : Array.from({ length: count }, (_, i) => ({ phase: i + 1, minGreenSeconds: 10, maxGreenSeconds: 40, yellowSeconds: 3, redClearanceSeconds: 2 }));
      return { trafficSignal: { cycleSeconds: number('cycle'), phases, controllerAddress: field('controller').value || null } };
    }
  }
  return {};
}

// The API's field names and the form's inputs: a refusal is shown beside the input it names.
const inputOfField = {
  id: 'id', name: 'name', location: 'lat', 'location.latitude': 'lat', 'location.longitude': 'lon', district: 'district', zone: 'zone',
  heartbeatSeconds: 'heartbeat', status: 'status', 'camera.streamUrl': 'stream', 'camera.bearingDegrees': 'bearing',
  'camera.fieldOfViewDegrees': 'fov', 'camera.rangeMeters': 'range', 'camera.owner': 'owner', 'gasSensor.gas': 'gas', 'gasSensor.unit': 'unit',
  'gasSensor.low': 'low', 'gasSensor.high': 'high', 'gasSensor.twa': 'twa', 'gasSensor.stel': 'stel',
  'floodSensor.referenceLevel': 'reference', 'floodSensor.alertLevel': 'alert', 'floodSensor.dangerLevel': 'danger',
  'trafficSignal.cycleSeconds': 'cycle', 'trafficSignal.phases': 'phases', 'trafficSignal.controllerAddress': 'controller',
  'warningDevice.type': 'warningType', 'warningDevice.rangeMeters': 'warningRange',
};

function showFieldErrors(errors) {
  const formElement = document.getElementById('device-form');
  formElement.querySelectorAll('.field-error').forEach(e => e.remove());
  formElement.querySelectorAll('[aria-invalid]').forEach(e => e.removeAttribute('aria-invalid'));
  for (const [name, messages] of Object.entries(errors)) {
    const known = Object.keys(inputOfField).filter(k => name === k || name.startsWith(k + '[') || name.startsWith(k + '.'))
      .sort((a, b) => b.length - a.length)[0];
    const input = known ? document.getElementById(`f-${inputOfField[known]}`) : null;
    if (!input) continue;
    input.setAttribute('aria-invalid', 'true');
    const note = Object.assign(document.createElement('span'), { className: 'field-error', textContent: messages.join('; ') });
    note.dataset.field = name;
    input.closest('label')?.append(note);
  }
}

async function saveDevice(event) {
  event.preventDefault();
  const kind = field('kind').value;
  const body = {
    name: field('name').value, location: { latitude: number('lat'), longitude: number('lon') },
    district: field('district').value, zone: field('zone').value, heartbeatSeconds: number('heartbeat'), ...kindSettings(kind),
  };
  const editing = form.editing;
  const response = editing
    ? await fetch(`/api/devices/${encodeURIComponent(editing)}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...body, status: field('status').value }) })
    : await fetch('/api/devices', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: field('id').value, kind, ...body }) });
  const failure = response.ok ? null : await response.json().catch(() => null);
  showFieldErrors(failure?.errors ?? {});
  if (!response.ok) {
    message(problemText(failure, response.status));
    return;
  }
  message('');
  const shown = document.getElementById('credential');
  if (editing) {
    shown.hidden = false;
    shown.textContent = `${editing} ${t('admin.saved', 'saved')}.`;
  } else {
    const onboarded = await response.json();
    shown.hidden = false;
    shown.textContent = `${onboarded.device.id} ${t('admin.onboarded', 'onboarded')}; ${t('admin.credentialOnce', 'its credential, shown once')}: user ${onboarded.credential.username}, secret ${onboarded.credential.secret}`;
  }
  resetForm();
  await loadDevices();
  await loadAnnounced();
}

// The video access audit trail of one day: who looked at which camera, on what basis, and every refusal and grant.
async function loadAudit() {
  const day = document.getElementById('audit-day').value;
  const query = new URLSearchParams({ limit: 500 });
  if (day) {
    query.set('from', day);
    query.set('to', day);
  }
  for (const [name, id] of [['camera', 'audit-camera'], ['user', 'audit-user']]) {
    const value = document.getElementById(id).value.trim();
    if (value) {
      query.set(name, value);
    }
  }
  const response = await fetch(`/api/video/audit?${query}`);
  if (!response.ok) {
    message(await problem(response));
    return;
  }
  const audit = await response.json();
  const broken = document.getElementById('audit-broken');
  broken.hidden = audit.brokenFiles.length === 0;
  broken.textContent = `${t('admin.auditBroken', 'Changed after it was written')}: ${audit.brokenFiles.join(', ')}`;
  const kinds = { view: t('audit.view', 'viewed'), refused: t('audit.refused', 'refused'), grant: t('audit.grant', 'granted'), revoke: t('audit.revoke', 'revoked') };
  document.querySelector('#audit tbody').replaceChildren(...audit.records.map(r => {
    const row = cells(document.createElement('tr'), [
      dateTimeOf(r.at), r.user, kinds[r.kind] ?? r.kind, r.camera,
      r.kind === 'grant' || r.kind === 'revoke' ? `${r.agency} · ${r.reason ?? ''}` : r.item ?? '',
      r.purpose ? t(`purpose.${r.purpose[0].toLowerCase()}${r.purpose.slice(1)}`, r.purpose) : '', r.kind === 'refused' ? r.refusal : (r.basis ?? (r.until ? `until ${dateTimeOf(r.until)}` : '')),
    ]);
    row.className = r.kind === 'refused' ? 'refused' : '';
    return row;
  }));
}

const zoneEditor = createZoneEditor(document.getElementById('zone-editor'), { onMessage: text => message(text) });

field('kind').addEventListener('change', showKind);
field('lat').addEventListener('change', showPicked);
field('lon').addEventListener('change', showPicked);
document.getElementById('audit-show').addEventListener('click', () => loadAudit().catch(e => message(String(e))));
document.getElementById('device-form').addEventListener('submit', event => saveDevice(event).catch(e => message(String(e))));
document.getElementById('new').addEventListener('click', resetForm);

document.getElementById('import').addEventListener('click', () => importFile().catch(e => message(String(e))));
document.getElementById('refresh').addEventListener('click', () => loadDevices().catch(e => message(String(e))));

(async () => {
  await startPage();
  resetForm();
  document.getElementById('audit-day').value = new Date().toISOString().slice(0, 10);
  await loadDevices();
  await loadAnnounced();
  await loadAudit();
  await startPicker().catch(e => message(String(e)));
  // Opened from a device's panel on the map: that device's form.
  const asked = new URLSearchParams(location.search).get('edit');
  if (asked) {
    await editDevice(asked);
    document.getElementById('device-form').scrollIntoView();
  }
})().catch(error => message(String(error)));
