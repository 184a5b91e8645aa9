// Device administration: bulk import with a per-row report, the device table, credential rotation, decommissioning.
'use strict';

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
  const body = await response.json().catch(() => ({}));
  const fields = body.errors ? Object.entries(body.errors).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ') : '';
  return (body.title || `HTTP ${response.status}`) + (fields ? ` (${fields})` : '');
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
    rotate.textContent = 'New credential';
    rotate.disabled = device.status === 'decommissioned';
    rotate.addEventListener('click', () => rotateCredential(device.id));
    const retire = document.createElement('button');
    retire.textContent = 'Decommission';
    retire.disabled = device.status === 'decommissioned';
    retire.addEventListener('click', () => decommission(device.id));
    const buttons = document.createElement('span');
    buttons.append(rotate, ' ', retire);
    const row = cells(document.createElement('tr'), [device.id, device.kind, device.name, device.district, device.zone, device.status, buttons]);
    row.dataset.id = device.id;
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

document.getElementById('import').addEventListener('click', () => importFile().catch(e => message(String(e))));
document.getElementById('refresh').addEventListener('click', () => loadDevices().catch(e => message(String(e))));

(async () => {
  const me = await (await fetch('/api/me')).json();
  document.getElementById('who').textContent = `${me.displayName} (${me.roles.join(', ')})`;
  await loadDevices();
})().catch(error => message(String(error)));
