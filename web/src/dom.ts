// The only way this app builds DOM: elements plus text nodes. Comment text is
// never parsed as HTML (no innerHTML anywhere), so markup in a comment stays text.
export type Child = Node | string | number | null | undefined | false;
type Attr = string | number | boolean | EventListener | undefined;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, Attr> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else if (name === 'value' && 'value' in node) {
      (node as HTMLInputElement).value = String(value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  append(node, ...children);
  return node;
}

export interface Highlight {
  begin: number;
  end: number;
  score?: number;
  text?: string;
}

// Text with <mark>s over the highlighted ranges. Offsets are UTF-16 code units,
// which is what String.prototype.slice counts.
export function highlighted(text: string, highlights: Highlight[] | undefined): HTMLElement {
  const out = el('span', { class: 'comment-text' });
  const ranges = (highlights ?? [])
    .map((h) => ({ ...h, begin: Math.max(0, Math.floor(h.begin)), end: Math.min(text.length, Math.floor(h.end)) }))
    .filter((h) => Number.isFinite(h.begin) && Number.isFinite(h.end) && h.end > h.begin)
    // A highlight that names its words must still find them there (an edited
    // comment may keep the spans of the text it replaced).
    .filter((h) => h.text === undefined || text.slice(h.begin, h.end) === h.text)
    .sort((x, y) => x.begin - y.begin);
  let at = 0;
  for (const range of ranges) {
    if (range.begin < at) continue;  // overlapping: the earlier one wins
    append(out, text.slice(at, range.begin));
    const title = range.score !== undefined ? `score ${range.score.toFixed(2)}` : undefined;
    append(out, el('mark', { class: 'highlight', title }, text.slice(range.begin, range.end)));
    at = range.end;
  }
  append(out, text.slice(at));
  return out;
}

export function scoreBars(scores: Record<string, number> | undefined): HTMLElement {
  const list = el('dl', { class: 'scores' });
  const entries = Object.entries(scores ?? {}).filter(([, v]) => typeof v === 'number');
  entries.sort((a, b) => b[1] - a[1]);
  for (const [name, value] of entries) {
    const bar = el('span', { class: 'bar' });
    bar.style.setProperty('--value', String(Math.max(0, Math.min(1, value))));
    append(list, el('dt', {}, name), el('dd', {}, bar, value.toFixed(2)));
  }
  return list;
}

// The first `max` code points of `text` on one line, for quoting a comment in a
// summary; the result is still only ever inserted as a text node.
export function excerpt(text: string, max: number): string {
  const points = Array.from(text.replace(/\s+/g, ' ').trim());
  return points.length > max ? `${points.slice(0, max).join('')}…` : points.join('');
}
