// Acting on an incident from any page: one action through the API (the answer is the incident as it now is, or the
// server's reason in words), and timed shelving of every alarm of it that still annunciates, with the reason.
import { problemText } from './api.js';

export async function act(id, action, body = {}) {
  const response = await fetch(`/api/incidents/${encodeURIComponent(id)}/actions/${action}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const result = await response.json().catch(() => null);
  return response.ok ? { detail: result } : { error: problemText(result, response.status) };
}

// ISA-18.2 timed shelving: each of the incident's alarms not yet shelved or back to normal, for `minutes`.
export async function shelveAll(id, reason, minutes = 15) {
  const response = await fetch(`/api/incidents/${encodeURIComponent(id)}`);
  if (!response.ok) {
    return { error: problemText(await response.json().catch(() => null), response.status) };
  }
  const detail = await response.json();
  const open = detail.alarms.filter(a => a.state !== 'shelved' && a.state !== 'normal');
  let last = { detail };
  for (const alarm of open) {
    last = await act(id, 'shelve-alarm', { deviceId: alarm.deviceId, condition: alarm.condition, shelveMinutes: minutes, text: reason });
    if (last.error) return last;
  }
  return { ...last, shelved: open.length, title: detail.summary.title };
}

// The nearest available units of the incident's agencies (their rosters), nearest first.
export async function nearestUnits(summary, count = 5) {
  const where = summary.location;
  const offers = [];
  for (const agency of summary.agencies) {
    const response = await fetch(`/api/units/${agency}/available?latitude=${where.latitude}&longitude=${where.longitude}&count=${count}`);
    if (response.ok) offers.push(...(await response.json()).map(o => ({ ...o, agency })));
  }
  return offers.sort((a, b) => a.meters - b.meters);
}

// A datalist's options for the offers: the unit's id, labelled with its name and distance.
export function unitOptions(offers) {
  return offers.map(offer => {
    const option = document.createElement('option');
    option.value = offer.unit.id;
    option.label = `${offer.unit.name} · ${(offer.meters / 1000).toFixed(1)} km`;
    return option;
  });
}
