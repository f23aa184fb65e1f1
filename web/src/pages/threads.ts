// Threads: a list, and one thread as an indented tree with per-comment scores.
import { listFrom, moderation, query } from '../api';
import { append, el, highlighted, scoreBars, type Highlight } from '../dom';
import { community } from '../shell';

interface ThreadSummary {
  id: string | number;
  title?: string;
  url?: string;
  community?: string;
  comment_count?: number;
  comments?: number;
  held_count?: number;
}

interface ThreadComment {
  id: string | number;
  parent_id?: string | number | null;
  parent?: string | number | null;
  depth?: number;
  author?: string;
  text: string;
  status?: string;
  created_at?: string;
  scores?: Record<string, number>;
  highlights?: Highlight[];
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
      (t.comment_count ?? t.comments) !== undefined ? ` · ${t.comment_count ?? t.comments} comments` : '',
      t.held_count ? ` · ${t.held_count} held` : ''))));
}

// Depth from the parent links when the server does not send it.
function depths(comments: ThreadComment[]): Map<string, number> {
  const parentOf = new Map(comments.map((c) => [String(c.id), c.parent_id ?? c.parent ?? null]));
  const out = new Map<string, number>();
  const depthOf = (id: string, guard = 0): number => {
    if (out.has(id)) return out.get(id)!;
    const parent = parentOf.get(id);
    const d = parent === null || parent === undefined || !parentOf.has(String(parent)) || guard > 200 ? 0 : depthOf(String(parent), guard + 1) + 1;
    out.set(id, d);
    return d;
  };
  for (const c of comments) depthOf(String(c.id));
  return out;
}

// Parents before children, siblings in the order the server sent them.
function treeOrder(comments: ThreadComment[]): ThreadComment[] {
  const ids = new Set(comments.map((c) => String(c.id)));
  const children = new Map<string, ThreadComment[]>();
  const roots: ThreadComment[] = [];
  for (const c of comments) {
    const parent = c.parent_id ?? c.parent;
    if (parent === null || parent === undefined || !ids.has(String(parent))) roots.push(c);
    else children.set(String(parent), [...(children.get(String(parent)) ?? []), c]);
  }
  const out: ThreadComment[] = [];
  const walk = (c: ThreadComment) => {
    out.push(c);
    for (const child of children.get(String(c.id)) ?? []) walk(child);
  };
  roots.forEach(walk);
  return out;
}

export async function threadPage(root: HTMLElement, id: string): Promise<void> {
  const data = await moderation<Record<string, unknown>>('GET', `threads/${encodeURIComponent(id)}`);
  const thread = (data.thread ?? data) as ThreadSummary;
  const text = (c: ThreadComment) => c.text ?? '(text not stored)';
  const comments = treeOrder(listFrom<ThreadComment>(data, 'comments', 'items'));
  const depth = depths(comments);
  append(root, el('p', {}, el('a', { href: '#/threads' }, '← Threads')), el('h1', {}, thread.title || `Thread ${id}`));
  const tree = el('ol', { class: 'tree', 'data-testid': 'thread-tree' });
  for (const c of comments) {
    const d = c.depth ?? depth.get(String(c.id)) ?? 0;
    const item = el('li', { class: `comment status-${c.status ?? 'unknown'}`, 'data-comment-id': String(c.id), 'data-depth': d },
      el('div', { class: 'meta' }, `#${c.id}`, c.author ? ` · ${c.author}` : '', c.status ? ` · ${c.status}` : '', c.created_at ? ` · ${c.created_at}` : ''),
      el('blockquote', {}, highlighted(text(c), c.highlights)),
      scoreBars(c.scores));
    item.style.setProperty('--depth', String(d));
    append(tree, item);
  }
  append(root, tree);
}
