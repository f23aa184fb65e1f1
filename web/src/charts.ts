// Small SVG charts drawn here (no chart library, nothing loaded from elsewhere).
import { el, svg } from './dom';

export interface Point {
  label: string;
  value: number;
}

const W = 560;
const H = 200;
const PAD = { left: 40, right: 10, top: 10, bottom: 40 };

function axes(max: number, format: (v: number) => string): SVGElement[] {
  const out: SVGElement[] = [];
  for (const fraction of [0, 0.5, 1]) {
    const y = H - PAD.bottom - fraction * (H - PAD.top - PAD.bottom);
    out.push(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: 'grid' }));
    out.push(svg('text', { x: PAD.left - 4, y: y + 4, 'text-anchor': 'end', class: 'tick' }, format(max * fraction)));
  }
  return out;
}

function frame(title: string, body: SVGElement[], points: Point[]): HTMLElement {
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, class: 'chart' }, ...body);
  const table = el('table', { class: 'chart-data' },
    el('tbody', {}, ...points.map((p) => el('tr', {}, el('th', {}, p.label), el('td', {}, Number.isInteger(p.value) ? p.value : p.value.toFixed(3))))));
  const details = el('details', {}, el('summary', {}, 'Data'), table);
  return el('figure', {}, el('figcaption', {}, title), chart, details);
}

function xOf(i: number, n: number): number {
  const span = W - PAD.left - PAD.right;
  return PAD.left + ((i + 0.5) * span) / Math.max(1, n);
}

export function barChart(title: string, points: Point[], format = (v: number) => String(Math.round(v))): HTMLElement {
  const max = Math.max(1, ...points.map((p) => p.value));
  const span = W - PAD.left - PAD.right;
  const slot = span / Math.max(1, points.length);
  const body = axes(max, format);
  points.forEach((p, i) => {
    const h = (p.value / max) * (H - PAD.top - PAD.bottom);
    const x = PAD.left + i * slot + slot * 0.15;
    body.push(svg('rect', { x, y: H - PAD.bottom - h, width: slot * 0.7, height: h, class: 'bar' }, svg('title', {}, `${p.label}: ${p.value}`)));
    body.push(svg('text', { x: x + slot * 0.35, y: H - PAD.bottom + 14, 'text-anchor': 'middle', class: 'tick' }, p.label));
  });
  return frame(title, body, points);
}

export function lineChart(title: string, points: Point[], max = 1): HTMLElement {
  const body = axes(max, (v) => v.toFixed(2));
  const y = (v: number) => H - PAD.bottom - (Math.min(v, max) / max) * (H - PAD.top - PAD.bottom);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${xOf(i, points.length).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  if (points.length) body.push(svg('path', { d: path, class: 'line' }));
  points.forEach((p, i) => {
    body.push(svg('circle', { cx: xOf(i, points.length), cy: y(p.value), r: 3, class: 'dot' }, svg('title', {}, `${p.label}: ${p.value.toFixed(3)}`)));
    body.push(svg('text', { x: xOf(i, points.length), y: H - PAD.bottom + 14, 'text-anchor': 'middle', class: 'tick' }, p.label));
  });
  return frame(title, body, points);
}

export interface Series {
  name: string;
  values: number[];  // one per label
}

// One stacked bar per label; each series has its own colour (class series-N) and a legend.
export function stackedBarChart(title: string, labels: string[], series: Series[]): HTMLElement {
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const span = W - PAD.left - PAD.right;
  const slot = span / Math.max(1, labels.length);
  const body = axes(max, (v) => String(Math.round(v)));
  labels.forEach((label, i) => {
    let base = H - PAD.bottom;
    const x = PAD.left + i * slot + slot * 0.15;
    series.forEach((s, k) => {
      const value = s.values[i] ?? 0;
      if (value <= 0) return;
      const h = (value / max) * (H - PAD.top - PAD.bottom);
      base -= h;
      body.push(svg('rect', { x, y: base, width: slot * 0.7, height: h, class: `bar series-${k % 6}` },
        svg('title', {}, `${label} · ${s.name}: ${value}`)));
    });
    body.push(svg('text', { x: x + slot * 0.35, y: H - PAD.bottom + 14, 'text-anchor': 'middle', class: 'tick' }, label));
  });
  const points: Point[] = [];
  labels.forEach((label, i) => series.forEach((s) => {
    if (s.values[i]) points.push({ label: `${label} ${s.name}`, value: s.values[i] });
  }));
  const figure = frame(title, body, points);
  const legend = el('ul', { class: 'legend' }, ...series.map((s, k) =>
    el('li', {}, el('span', { class: `swatch series-${k % 6}` }), s.name)));
  figure.insertBefore(legend, figure.querySelector('details'));
  return figure;
}
