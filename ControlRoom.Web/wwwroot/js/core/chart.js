// A small time-series chart in SVG: the readings as a line with their points, and the set-points (or stages) as
// labelled dashed lines, so a reading's distance from its threshold reads at a glance. No library: one line per chart.
import { timeOf } from './i18n.js';

const svgNs = 'http://www.w3.org/2000/svg';

function el(tag, attributes = {}, text) {
  const node = document.createElementNS(svgNs, tag);
  Object.entries(attributes).forEach(([k, v]) => node.setAttribute(k, v));
  if (text != null) node.textContent = text;
  return node;
}

// readings: [{ timestamp, value }] oldest first; limits: [{ label, value, colour }].
export function readingChart(readings, { unit = '', limits = [], width = 320, height = 140, label = '' } = {}) {
  const svg = el('svg', { class: 'reading-chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
  svg.setAttribute('aria-label', `${label}: ${readings.length} readings` + (limits.length ? `, set-points ${limits.map(l => `${l.label} ${l.value}`).join(', ')}` : ''));
  const pad = { left: 40, right: 8, top: 8, bottom: 20 };
  if (readings.length === 0) {
    svg.append(el('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'muted' }, 'no readings yet'));
    return svg;
  }
  const times = readings.map(r => Date.parse(r.timestamp));
  const values = readings.map(r => r.value);
  const all = values.concat(limits.map(l => l.value));
  let low = Math.min(...all), high = Math.max(...all);
  if (high === low) { high += 1; low -= 1; }
  const margin = (high - low) * 0.08;
  low -= margin; high += margin;
  const t0 = Math.min(...times), t1 = Math.max(...times) === t0 ? t0 + 1 : Math.max(...times);
  const x = t => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = v => pad.top + (1 - (v - low) / (high - low)) * (height - pad.top - pad.bottom);
  svg.append(el('rect', { x: pad.left, y: pad.top, width: width - pad.left - pad.right, height: height - pad.top - pad.bottom, class: 'plot' }));
  for (const v of [low + margin, high - margin]) {
    svg.append(el('text', { x: pad.left - 4, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, round(v)));
  }
  svg.append(el('text', { x: pad.left, y: height - 4, class: 'axis' }, timeOf(t0)));
  svg.append(el('text', { x: width - pad.right, y: height - 4, 'text-anchor': 'end', class: 'axis' }, timeOf(t1)));
  for (const limit of limits) {
    svg.append(el('line', { x1: pad.left, x2: width - pad.right, y1: y(limit.value), y2: y(limit.value), class: 'limit', stroke: limit.colour, 'data-limit': limit.label }));
    svg.append(el('text', { x: width - pad.right - 2, y: y(limit.value) - 3, 'text-anchor': 'end', class: 'limit-label', fill: limit.colour }, `${limit.label} ${limit.value}${unit ? ' ' + unit : ''}`));
  }
  svg.append(el('polyline', { class: 'series', points: readings.map((r, i) => `${x(times[i]).toFixed(1)},${y(r.value).toFixed(1)}`).join(' ') }));
  readings.forEach((r, i) => {
    const dot = el('circle', { cx: x(times[i]).toFixed(1), cy: y(r.value).toFixed(1), r: 2.5, class: 'reading' });
    dot.append(el('title', {}, `${timeOf(times[i])}: ${r.value}${unit ? ' ' + unit : ''}`));
    svg.append(dot);
  });
  return svg;
}

function round(v) {
  return Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 100) / 100;
}
