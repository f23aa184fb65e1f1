// Threads: a list, and one thread as an indented tree with per-comment scores,
// overlaid with the thread analysis of `comity thread report` (GET
// /v1/threads/{id}/analysis): headline figures, heat per subtree, and the
// signals (escalating chains, authors trading attacks, near-duplicates, bursts).
import { ApiError, listFrom, moderation, query } from '../api';
import { append, el, excerpt, highlighted, scoreBars, type Child, type Highlight } from '../dom';
import { community } from '../shell';
import { commentActions } from '../decisions';
import { authorLink } from './authors';

interface ThreadSummary {
  id: string | number;
  title?: string;
  url?: string;
  community?: string;
  comments?: number;
  held?: number;
  created_at?: string;
}

interface ThreadComment {
  id: string | number;
  parent?: string | number | null;
  depth: number;
  author?: string;
  text: string | null;
  status?: string;
  created_at?: string;
  scores?: Record<string, number>;
  highlights?: Highlight[];
}

interface AttributeCount {
  attribute: string;
  count: number;
}

interface Heat {
  size: number;
  mean_toxicity: number;
  max_toxicity: number;
  toxic: number;
}

interface AnalysedComment {
  id: string;
  author: string;
  text: string;
  toxic: boolean;
  held: boolean;
  target: string | null;
  target_names: string[];
  scores: Record<string, number>;
  heat: Heat;
}

interface Analysis {
  model?: string;
  headline: {
    comments: number;
    toxic: number;
    held: number;
    share_held: number;
    hottest_subthread: string | null;
    top_attributes: AttributeCount[];
  };
  comments: AnalysedComment[];
  escalations: { ids: string[]; toxicity: number[] }[];
  author_pairs: { a: string; b: string; a_to_b: number; b_to_a: number; ids: string[] }[];
  authors: { author: string; comments: number; toxic: number; share_toxic: number; top_attributes: AttributeCount[] }[];
  duplicates: { a: string; b: string; authors: string[]; jaccard: number }[];
  bursts: { start: string; end: string; ids: string[] }[];
  warnings: string[];
  thread?: { left_out?: string[]; scored_now?: number };
}

export async function threadsPage(root: HTMLElement): Promise<void> {
  if (!community()) {
    append(root, el('h1', {}, 'Threads'), el('p', {}, 'Choose a community above to list its threads.'));
    return;
  }
  const data = await moderation('GET', `threads${query({ community: community() })}`);
  const threads = listFrom<ThreadSummary>(data, 'threads', 'items');
  append(root, el('h1', {}, 'Threads'));
  if (threads.length === 0) {
    append(root, el('p', {}, 'No threads yet.'));
    return;
  }
  append(root, el('ul', { class: 'threads' }, ...threads.map((t) =>
    el('li', {},
      el('a', { href: `#/threads/${encodeURIComponent(String(t.id))}` }, t.title || `Thread ${t.id}`),
      t.community ? ` · ${t.community}` : '',
      t.comments !== undefined ? ` · ${t.comments} comments` : '',
      t.held ? el('span', { class: 'held-count', 'data-testid': 'held-count' }, ` · ${t.held} held`) : ''))));
}

const fixed = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const percent = (v: number) => `${Number.isFinite(v) ? Math.round(v * 1000) / 10 : 0}%`;

// Everything the analysis says about one comment, looked up by id while the
// tree is drawn (a 300-comment thread must not rescan the lists per comment).
interface Index {
  byId: Map<string, AnalysedComment>;
  escalating: Set<string>;
  duplicateOf: Map<string, string[]>;
  trading: Set<string>;
}

function indexAnalysis(analysis: Analysis): Index {
  const index: Index = { byId: new Map(), escalating: new Set(), duplicateOf: new Map(), trading: new Set() };
  for (const c of analysis.comments) index.byId.set(c.id, c);
  for (const e of analysis.escalations) e.ids.forEach((id) => index.escalating.add(id));
  for (const d of analysis.duplicates) {
    index.duplicateOf.set(d.a, [...(index.duplicateOf.get(d.a) ?? []), d.b]);
    index.duplicateOf.set(d.b, [...(index.duplicateOf.get(d.b) ?? []), d.a]);
  }
  for (const p of analysis.author_pairs) p.ids.forEach((id) => index.trading.add(id));
  return index;
}

// Scrolls the tree to a comment and flashes it; ids come from the server, so
// they are looked up in a map, never put into a selector.
class Jumper {
  readonly nodes = new Map<string, HTMLElement>();
  go(id: string): void {
    const node = this.nodes.get(id);
    if (!node) return;
    node.scrollIntoView({ block: 'center' });
    node.focus({ preventScroll: true });
    node.classList.remove('flash');
    void node.offsetWidth;  // restart the animation when the same comment is chosen twice
    node.classList.add('flash');
  }
  link(id: string, label: Child = `#${id}`): HTMLElement {
    return el('button', { type: 'button', class: 'link jump', 'data-jump': id, onclick: () => this.go(id) }, label);
  }
}

function section(testid: string, title: string, count: number, ...body: Child[]): HTMLElement {
  return el('details', { class: 'signal', 'data-testid': testid, open: count > 0 },
    el('summary', {}, `${title} (${count})`),
    ...(count > 0 ? body : [el('p', { class: 'help' }, 'None.')]));
}

function table(head: string[], rows: Child[][]): HTMLElement {
  return el('table', { class: 'data' },
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c))))));
}

const topAttributes = (top: AttributeCount[]) => top.map((t) => `${t.attribute} (${t.count})`).join(', ');

function analysisView(analysis: Analysis, index: Index, jump: Jumper): HTMLElement {
  const h = analysis.headline;
  const textOf = (id: string) => excerpt(index.byId.get(id)?.text ?? '', 90);
  const authorOf = (id: string) => index.byId.get(id)?.author ?? '';
  const figure = (label: string, value: Child, testid?: string) =>
    el('div', { class: 'figure', 'data-testid': testid }, el('span', { class: 'value' }, value), el('span', { class: 'label' }, label));
  const leftOut = analysis.thread?.left_out?.length ?? 0;
  const headline = el('div', { class: 'figures', 'data-testid': 'thread-headline' },
    figure('comments analysed', h.comments, 'figure-comments'),
    figure('toxic', h.toxic, 'figure-toxic'),
    figure(`held (${percent(h.share_held)})`, h.held, 'figure-held'),
    figure('hottest subthread', h.hottest_subthread ? jump.link(h.hottest_subthread) : '–'),
    figure('escalating chains', analysis.escalations.length),
    figure('near-duplicates', analysis.duplicates.length),
    leftOut ? figure('left out (text not stored)', leftOut) : null);
  const top = h.top_attributes.length
    ? el('p', { class: 'help' }, `Most frequent attributes: ${topAttributes(h.top_attributes)}`, analysis.model ? ` · model ${analysis.model}` : '')
    : null;

  const escalations = section('escalations', 'Escalating reply chains', analysis.escalations.length,
    el('ol', { class: 'chains' }, ...analysis.escalations.map((e) =>
      el('li', {},
        el('span', { class: 'chain' }, ...e.ids.flatMap((id, k) => [
          k > 0 ? el('span', { class: 'arrow', 'aria-hidden': 'true' }, ' → ') : null,
          jump.link(id, `#${id} ${fixed(e.toxicity[k])}`)])),
        el('div', { class: 'quote' }, textOf(e.ids[e.ids.length - 1]))))));

  const pairs = section('author-pairs', 'Authors trading attacks', analysis.author_pairs.length,
    el('div', { class: 'scroll' }, table(['Authors', 'Toxic replies', 'Comments'], analysis.author_pairs.map((p) => [
      el('span', {}, el('strong', {}, p.a), ' ↔ ', el('strong', {}, p.b)),
      `${p.a_to_b} → · ← ${p.b_to_a}`,
      el('span', { class: 'ids' }, ...p.ids.map((id) => jump.link(id)))]))));

  const authors = section('authors', 'Authors', analysis.authors.length,
    el('div', { class: 'scroll' }, table(['Author', 'Comments', 'Toxic', 'Share toxic', 'Top attributes'],
      analysis.authors.map((a) => [a.author, a.comments, a.toxic, percent(a.share_toxic), topAttributes(a.top_attributes)]))));

  const duplicates = section('duplicates', 'Near-duplicate comments', analysis.duplicates.length,
    el('div', { class: 'scroll' }, table(['Comment', 'Near-duplicate', 'Jaccard'], analysis.duplicates.map((d) => [
      el('span', {}, jump.link(d.a), ` ${d.authors[0] || authorOf(d.a)}`, el('div', { class: 'quote' }, textOf(d.a))),
      el('span', {}, jump.link(d.b), ` ${d.authors[1] || authorOf(d.b)}`, el('div', { class: 'quote' }, textOf(d.b))),
      fixed(d.jaccard)]))));

  const bursts = section('bursts', 'Bursts of new authors', analysis.bursts.length,
    el('ul', {}, ...analysis.bursts.map((b) =>
      el('li', {}, `${b.start} – ${b.end}: ${b.ids.length} first comments `, el('span', { class: 'ids' }, ...b.ids.map((id) => jump.link(id)))))));

  const warnings = analysis.warnings.length
    ? el('details', { class: 'signal', 'data-testid': 'analysis-warnings' },
      el('summary', {}, `Warnings (${analysis.warnings.length})`),
      el('ul', {}, ...analysis.warnings.map((w) => el('li', {}, w))))
    : null;

  return el('section', { class: 'analysis', 'data-testid': 'thread-analysis' },
    el('h2', {}, 'Analysis'), headline, top, escalations, pairs, duplicates, bursts, authors, warnings);
}

// Green to red by the subtree's mean TOXICITY; the badge gives the numbers.
function heatBar(heat: Heat): HTMLElement {
  const bar = el('span', {
    class: 'heat',
    'data-testid': 'heat',
    title: `subtree: ${heat.size} comments, ${heat.toxic} toxic, mean ${fixed(heat.mean_toxicity)}, max ${fixed(heat.max_toxicity)}`,
  });
  bar.style.setProperty('--heat', String(Math.max(0, Math.min(1, heat.mean_toxicity))));
  return bar;
}

function flags(id: string, a: AnalysedComment | undefined, index: Index, jump: Jumper): HTMLElement {
  const out = el('span', { class: 'flags' });
  if (!a) {
    append(out, el('span', { class: 'flag' }, 'not analysed'));
    return out;
  }
  if (a.heat.size > 1) {
    append(out, el('span', { class: 'flag heat-badge', 'data-flag': 'heat' },
      `subtree ${a.heat.size} · ${a.heat.toxic} toxic · max ${fixed(a.heat.max_toxicity)}`));
  }
  if (index.escalating.has(id)) append(out, el('span', { class: 'flag esc', 'data-flag': 'escalation' }, 'escalating chain'));
  if (index.trading.has(id)) append(out, el('span', { class: 'flag pair', 'data-flag': 'trading' }, 'trading attacks'));
  if (a.toxic && a.target && a.target !== 'none') {
    const names = a.target_names.length ? `: ${a.target_names.join(', ')}` : '';
    append(out, el('span', { class: 'flag target', 'data-flag': 'target', 'data-target': a.target }, `targets ${a.target}${names}`));
  }
  const twins = index.duplicateOf.get(id) ?? [];
  if (twins.length) {
    // Coordinated posting can pair one comment with dozens: name a few, count the rest.
    append(out, el('span', { class: 'flag dup', 'data-flag': 'duplicate' }, 'near-duplicate of ',
      ...twins.slice(0, 3).map((other) => jump.link(other)),
      twins.length > 3 ? ` and ${twins.length - 3} more` : ''));
  }
  return out;
}

export async function threadPage(root: HTMLElement, id: string): Promise<void> {
  const path = `threads/${encodeURIComponent(id)}`;
  // The analysis is an extra; the tree is still shown when it fails.
  const [data, analysis] = await Promise.all([
    moderation<Record<string, unknown>>('GET', path),
    moderation<Analysis>('GET', `${path}/analysis`).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 401) throw error;
      return error instanceof Error ? error : new Error(String(error));
    }),
  ]);
  const thread = (data.thread ?? data) as ThreadSummary;
  const text = (c: ThreadComment) => c.text ?? '(text not stored)';
  // The server sends the reply tree in order with each comment's depth (built
  // iteratively there: a reply chain may be deeper than any call stack).
  const comments = listFrom<ThreadComment>(data, 'comments');
  const jump = new Jumper();
  append(root, el('p', {}, el('a', { href: '#/threads' }, '← Threads')), el('h1', {}, thread.title || `Thread ${id}`));

  let index: Index | null = null;
  if (analysis instanceof Error) {
    append(root, el('p', { class: 'help', 'data-testid': 'analysis-unavailable' }, `Analysis unavailable: ${analysis.message}`));
  } else {
    index = indexAnalysis(analysis);
    append(root, analysisView(analysis, index, jump));
  }

  const tree = el('ol', { class: 'tree', 'data-testid': 'thread-tree' });
  const items = document.createDocumentFragment();
  for (const c of comments) {
    const cid = String(c.id);
    const d = c.depth;
    const a = index?.byId.get(cid);
    const item = el('li', { class: `comment status-${c.status ?? 'unknown'}`, 'data-comment-id': cid, 'data-depth': d, tabindex: -1 },
      a ? heatBar(a.heat) : null,
      el('div', { class: 'meta' }, `#${c.id}`, c.author ? ' · ' : '', c.author ? authorLink(c.author) : '', c.status ? ` · ${c.status}` : '', c.created_at ? ` · ${c.created_at}` : '',
        index ? flags(cid, a, index, jump) : null),
      el('blockquote', {}, highlighted(text(c), c.highlights)),
      scoreBars(c.scores),
      commentActions(c));
    item.style.setProperty('--depth', String(d));
    jump.nodes.set(cid, item);
    items.appendChild(item);
  }
  tree.appendChild(items);
  append(root, el('h2', {}, 'Comments'), tree);
}
