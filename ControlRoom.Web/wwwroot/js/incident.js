// One incident for after-action review and work in progress: procedure (steps can be ticked), alarms with their
// ISA-18.2 states, evidence, nearest cameras, the audit timeline, and the CAP 1.2 message.
import { startPage } from './core/layout.js';
import { problemText } from './core/api.js';

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
  const response = await fetch(`/api/incidents/${encodeURIComponent(id)}/actions/complete-step`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ step }),
  });
  const result = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = document.getElementById('message');
    message.textContent = problemText(result, response.status);
    message.hidden = false;
    return;
  }
  render(result);
}

function render(detail) {
  const s = detail.summary;
  document.title = `CityControl · ${s.title}`;
  text('title', s.title);
  const priority = document.getElementById('priority');
  priority.textContent = s.priority;
  priority.className = `priority ${s.priority}`;
  text('status', s.status);
  text('agencies', s.agencies.join(', '));
  text('unit', detail.assignedUnit || 'none');
  text('description', detail.description);
  document.getElementById('cap').href = `/api/incidents/${encodeURIComponent(id)}/cap`;
  document.getElementById('procedure').replaceChildren(...detail.procedure.map(step => {
    const item = document.createElement('li');
    item.textContent = step.text + ' ';
    if (step.doneBy) {
      item.append(`(done by ${step.doneBy})`);
    } else {
      const button = document.createElement('button');
      button.textContent = 'Done';
      button.addEventListener('click', () => completeStep(step.number));
      item.append(button);
    }
    return item;
  }));
  document.querySelector('#alarms tbody').replaceChildren(...detail.alarms.map(a =>
    row([a.deviceId, a.condition, a.state, a.active ? 'yes' : 'no', a.triggers, new Date(a.lastAt).toLocaleTimeString()])));
  const none = detail.evidence.length || detail.media.length ? [] : ['none yet'];
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
  document.getElementById('media').replaceChildren(...detail.media.map((m, index) => {
    const url = `/api/incidents/${encodeURIComponent(id)}/media/${index}`;
    const figure = document.createElement('figure');
    const caption = document.createElement('figcaption');
    caption.textContent = `${m.deviceId} · ${m.condition} · ${new Date(m.at).toLocaleTimeString()} · ${m.item.kind} · SHA-256 ${m.item.sha256.slice(0, 12)}…`;
    if (m.item.kind === 'snapshot') {
      const img = document.createElement('img');
      img.src = url;
      img.alt = `${m.condition} snapshot from ${m.deviceId}`;
      img.addEventListener('error', () => { caption.textContent += ' · not available or altered'; img.remove(); });
      figure.append(img);
    } else {
      const a = document.createElement('a');
      a.href = url;
      a.textContent = `${m.item.kind} (${Math.round(m.item.bytes / 1024)} KB, ${m.item.contentType})`;
      figure.append(a);
    }
    figure.append(caption);
    return figure;
  }));
  document.getElementById('timeline').replaceChildren(...detail.timeline.map(entry => {
    const item = document.createElement('li');
    const change = entry.to ? (entry.from ? ` ${entry.from} → ${entry.to}` : ` → ${entry.to}`) : '';
    item.textContent = `${new Date(entry.at).toLocaleString()} ${entry.actor}: ${entry.action}${change} ${entry.detail}`;
    return item;
  }));
}

// The camera's newest annotated frame, fetched again every second while its pipeline runs; one that stops says so.
function liveView(camera) {
  const img = document.createElement('img');
  img.className = 'live';
  img.alt = `live view of ${camera.name}`;
  const source = `/api/cameras/${encodeURIComponent(camera.id)}/live.jpg`;
  let timer = null;
  img.addEventListener('load', () => { timer = setTimeout(() => { img.src = `${source}?t=${Date.now()}`; }, 1000); });
  img.addEventListener('error', () => {
    clearTimeout(timer);
    const none = document.createElement('span');
    none.className = 'muted';
    none.textContent = 'no live view';
    img.replaceWith(none);
  });
  img.src = source;
  return img;
}

(async () => {
  await startPage();
  const response = await fetch(`/api/incidents/${encodeURIComponent(id)}`);
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.title || `HTTP ${response.status}`);
  }
  render(await response.json());
  const cameras = await (await fetch(`/api/incidents/${encodeURIComponent(id)}/nearest-cameras`)).json();
  document.querySelector('#cameras tbody').replaceChildren(...cameras.map(c => {
    const tr = row([c.name, `${c.distanceMeters} m`, `${c.bearingDegrees}°`, '']);
    if (c.liveView) {
      tr.lastChild.append(liveView(c));
    } else {
      tr.lastChild.textContent = 'none';
      tr.lastChild.className = 'muted';
    }
    return tr;
  }));
})().catch(error => {
  const message = document.getElementById('message');
  message.textContent = String(error.message || error);
  message.hidden = false;
});
