// A camera's analytics zones drawn on its picture: the newest frame of its pipeline (or, with none running, a blank
// frame of the size the admin gives), zones as polygons in source pixels, a new one drawn point by point. Saving
// sends the whole configuration to the API, whose rules (the same as for any client) decide; a refusal is shown beside
// the zone it names and nothing is saved.
import { t } from './i18n.js';
import { problemText } from './api.js';

const svgNs = 'http://www.w3.org/2000/svg';
const kinds = ['intrusion', 'loitering', 'crowding', 'stoppedVehicle', 'count'];
// What a zone may be limited to: the classes a trained detector names ("vehicle" is any of car, motorcycle, bus, truck).
const objectClasses = ['person', 'bicycle', 'vehicle', 'car', 'motorcycle', 'bus', 'truck'];
const colours = { intrusion: '#e5484d', loitering: '#f5a524', crowding: '#b57bff', stoppedVehicle: '#3e8ed0', count: '#3fb37f' };

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter(c => c != null));
  return node;
}

function svg(tag, attributes) {
  const node = document.createElementNS(svgNs, tag);
  Object.entries(attributes).forEach(([k, v]) => node.setAttribute(k, v));
  return node;
}

export function createZoneEditor(container, { onMessage }) {
  const state = { camera: null, config: null, size: { width: 1280, height: 720 }, drawing: null, errors: {} };

  function imageOf(camera, done) {
    const img = el('img', { className: 'zone-picture', alt: `${t('zones.pictureOf', 'picture of')} ${camera.name}` });
    img.addEventListener('load', () => done({ width: img.naturalWidth, height: img.naturalHeight }, img));
    img.addEventListener('error', () => done(null, null));
    img.src = `/api/cameras/${encodeURIComponent(camera.id)}/live.jpg?t=${Date.now()}`;
  }

  async function open(camera) {
    const response = await fetch(`/api/cameras/${encodeURIComponent(camera.id)}/analytics`);
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      onMessage(problemText(body, response.status));
      return;
    }
    Object.assign(state, { camera, config: body, drawing: null, errors: {}, picture: null });
    container.hidden = false;
    imageOf(camera, (size, img) => {
      if (size) {
        state.size = size;
        state.picture = img;
      }
      render();
      container.scrollIntoView({ block: 'start' });
    });
  }

  function pointAt(event, overlay) {
    const box = overlay.getBoundingClientRect();
    return {
      x: Math.round(((event.clientX - box.left) / box.width) * state.size.width),
      y: Math.round(((event.clientY - box.top) / box.height) * state.size.height),
    };
  }

  function render() {
    const { camera, config, size } = state;
    const stage = el('div', { className: 'zone-stage' });
    if (state.picture) {
      stage.append(state.picture);
    } else {
      stage.classList.add('blank');
      stage.style.aspectRatio = `${size.width} / ${size.height}`;
    }
    const overlay = svg('svg', { class: 'zone-overlay', viewBox: `0 0 ${size.width} ${size.height}`, preserveAspectRatio: 'none' });
    overlay.setAttribute('aria-label', t('zones.drawHere', 'the camera picture: click to add a point'));
    config.motionMasks.forEach(mask => overlay.append(svg('polygon', { class: 'mask', points: mask.map(p => `${p.x},${p.y}`).join(' ') })));
    config.zones.forEach((zone, i) => {
      const shape = svg('polygon', { class: `zone ${zone.kind}`, points: zone.polygon.map(p => `${p.x},${p.y}`).join(' '),
        fill: colours[zone.kind] ?? '#9ad1ff', stroke: colours[zone.kind] ?? '#9ad1ff', 'data-zone': zone.name || `#${i + 1}` });
      overlay.append(shape);
    });
    if (state.drawing) {
      const points = state.drawing.map(p => `${p.x},${p.y}`).join(' ');
      overlay.append(svg('polyline', { class: 'drawing', points }));
      state.drawing.forEach(p => overlay.append(svg('circle', { class: 'drawing-point', cx: p.x, cy: p.y, r: Math.max(3, size.width / 200) })));
    }
    overlay.addEventListener('click', event => {
      if (!state.drawing) return;
      state.drawing.push(pointAt(event, overlay));
      render();
    });
    stage.append(overlay);

    const rows = config.zones.map((zone, i) => {
      const name = el('input', { value: zone.name, maxLength: 64, size: 12 });
      name.setAttribute('aria-label', t('zones.name', 'Zone name'));
      name.addEventListener('change', () => { zone.name = name.value.trim(); });
      const kind = el('select', {}, ...kinds.map(k => new Option(t(`zones.kind.${k}`, k), k, false, k === zone.kind)));
      kind.setAttribute('aria-label', t('zones.kind', 'Watches for'));
      kind.addEventListener('change', () => { zone.kind = kind.value; render(); });
      const seconds = el('input', { type: 'number', min: 0, step: 'any', value: zone.seconds ?? '', size: 5, placeholder: 's' });
      seconds.setAttribute('aria-label', t('zones.seconds', 'Seconds'));
      seconds.addEventListener('change', () => { zone.seconds = seconds.value === '' ? null : Number(seconds.value); });
      const count = el('input', { type: 'number', min: 1, step: 1, value: zone.minCount ?? '', size: 4, placeholder: 'n' });
      count.setAttribute('aria-label', t('zones.minCount', 'Crowd count'));
      count.addEventListener('change', () => { zone.minCount = count.value === '' ? null : Number(count.value); });
      const classes = classChoice(zone);
      const remove = el('button', { type: 'button', textContent: t('zones.delete', 'Delete') });
      remove.addEventListener('click', () => { config.zones.splice(i, 1); state.errors = {}; render(); });
      const problems = Object.entries(state.errors).filter(([field]) => field.startsWith(`zones[${i}]`))
        .flatMap(([field, messages]) => messages.map(m => (m.startsWith(field) ? m : `${field}: ${m}`)));
      return el('li', { className: problems.length ? 'zone-row invalid' : 'zone-row' },
        el('span', { className: 'swatch', style: `background:${colours[zone.kind] ?? '#9ad1ff'}` }), name, kind,
        el('label', {}, `${t('zones.seconds', 'Seconds')} `, seconds), el('label', {}, `${t('zones.minCount', 'Crowd count')} `, count), classes,
        el('span', { className: 'muted', textContent: `${zone.polygon.length} ${t('zones.points', 'points')}` }), remove,
        problems.length ? el('span', { className: 'field-error', textContent: problems.join('; ') }) : null);
    });

    const begin = el('button', { type: 'button', id: 'zone-new', textContent: t('zones.new', 'New zone') });
    begin.addEventListener('click', () => { state.drawing = []; render(); });
    const finish = el('button', { type: 'button', id: 'zone-finish', textContent: t('zones.finish', 'Close the polygon'), disabled: !state.drawing || state.drawing.length < 3 });
    finish.addEventListener('click', () => {
      config.zones.push({ name: `zone-${config.zones.length + 1}`, kind: 'intrusion', polygon: state.drawing, seconds: null, minCount: null });
      state.drawing = null;
      render();
    });
    const undo = el('button', { type: 'button', textContent: t('zones.undo', 'Undo point'), disabled: !state.drawing?.length });
    undo.addEventListener('click', () => { state.drawing.pop(); render(); });
    const save = el('button', { type: 'button', id: 'zone-save', textContent: t('action.save', 'Save'), disabled: !!state.drawing });
    save.addEventListener('click', () => saveZones().catch(e => onMessage(String(e))));
    const close = el('button', { type: 'button', textContent: t('panel.close', 'Close') });
    close.addEventListener('click', () => { container.hidden = true; container.replaceChildren(); });
    const sizeNote = state.picture
      ? el('p', { className: 'muted', textContent: `${t('zones.fromLive', 'The newest frame of its pipeline')}, ${size.width} × ${size.height} px` })
      : blankSize();

    container.replaceChildren(
      el('h2', { textContent: `${t('zones.title', 'Analytics zones of')} ${camera.name}` }),
      sizeNote,
      detectorChoice(config),
      el('p', { className: 'muted', textContent: state.drawing
        ? t('zones.drawing', 'Click the picture to add points (where objects touch the ground), then close the polygon.')
        : t('zones.help', 'Zones are polygons in the picture\'s pixels; an object is in a zone when the bottom centre of its box is.') }),
      stage,
      el('ol', { className: 'zone-list' }, ...rows),
      el('div', { className: 'actions' }, begin, undo, finish, save, close),
      el('p', { id: 'zone-message', role: 'status' }));
  }

  // How the camera finds objects: moving blobs told apart by shape, or the worker's trained detector behind the motion gate.
  function detectorChoice(config) {
    const mode = el('select', { id: 'zone-detector' },
      new Option(t('zones.detector.motion', 'motion only (blobs, told apart by shape)'), 'motion', false, config.detector !== 'objects'),
      new Option(t('zones.detector.objects', 'trained object detector (person, bicycle, car, motorcycle, bus, truck)'), 'objects', false, config.detector === 'objects'));
    mode.setAttribute('aria-label', t('zones.detector', 'Finds objects by'));
    const confidence = el('input', { id: 'zone-min-confidence', type: 'number', min: 0.05, max: 0.95, step: 0.05, value: config.minConfidence ?? 0.35, size: 4 });
    confidence.setAttribute('aria-label', t('zones.minConfidence', 'Least confidence'));
    const confidenceLabel = el('label', { hidden: config.detector !== 'objects' }, `${t('zones.minConfidence', 'Least confidence')} `, confidence);
    mode.addEventListener('change', () => { config.detector = mode.value; confidenceLabel.hidden = mode.value !== 'objects'; });
    confidence.addEventListener('change', () => { config.minConfidence = Number(confidence.value); });
    const problems = ['detector', 'minConfidence'].flatMap(f => state.errors[f] ?? []);
    return el('p', { className: 'zone-detector' }, el('label', {}, `${t('zones.detector', 'Finds objects by')} `, mode), ' ', confidenceLabel,
      problems.length ? el('span', { className: 'field-error', textContent: problems.join('; ') }) : null);
  }

  // The classes a zone watches, none ticked meaning every object.
  function classChoice(zone) {
    const chosen = new Set(zone.classes ?? []);
    const summary = el('summary', { textContent: chosen.size ? [...chosen].map(c => t(`class.${c}`, c)).join(', ') : t('zones.classes.any', 'any object') });
    const boxes = objectClasses.map(c => {
      const box = el('input', { type: 'checkbox', checked: chosen.has(c), value: c });
      box.addEventListener('change', () => {
        if (box.checked) chosen.add(c); else chosen.delete(c);
        zone.classes = chosen.size ? objectClasses.filter(k => chosen.has(k)) : null;
        summary.textContent = chosen.size ? zone.classes.map(k => t(`class.${k}`, k)).join(', ') : t('zones.classes.any', 'any object');
      });
      return el('label', { className: 'class-choice' }, box, ` ${t(`class.${c}`, c)}`);
    });
    const details = el('details', { className: 'zone-classes' }, summary, ...boxes);
    details.setAttribute('aria-label', t('zones.classes', 'Objects watched'));
    return details;
  }

  // Without a live frame the admin says the source's size, so points land in its pixels.
  function blankSize() {
    const width = el('input', { type: 'number', min: 16, max: 7680, value: state.size.width, size: 5 });
    const height = el('input', { type: 'number', min: 16, max: 4320, value: state.size.height, size: 5 });
    width.setAttribute('aria-label', t('zones.width', 'Source width'));
    height.setAttribute('aria-label', t('zones.height', 'Source height'));
    const apply = () => { state.size = { width: Number(width.value) || 1280, height: Number(height.value) || 720 }; render(); };
    width.addEventListener('change', apply);
    height.addEventListener('change', apply);
    return el('p', { className: 'muted' }, `${t('zones.noLive', 'No live frame (no pipeline runs this camera): drawing on a blank frame of')} `, width, ' × ', height, ' px');
  }

  async function saveZones() {
    const { camera, config } = state;
    const body = { ...config, zones: config.zones.map(z => Object.fromEntries(Object.entries(z).filter(([, v]) => v !== null && v !== undefined))) };
    const response = await fetch(`/api/cameras/${encodeURIComponent(camera.id)}/analytics`, {
      method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const result = await response.json().catch(() => null);
    state.errors = response.ok ? {} : (result?.errors ?? {});
    render();
    document.getElementById('zone-message').textContent = response.ok
      ? `${t('zones.saved', 'Saved')}: ${config.zones.length} ${t('zones.count', 'zone(s)')}`
      : problemText(result, response.status);
    if (response.ok) {
      state.config = result;
      render();
      document.getElementById('zone-message').textContent = `${t('zones.saved', 'Saved')}: ${result.zones.length} ${t('zones.count', 'zone(s)')}`;
    }
  }

  return { open };
}
