// The review queue: held comments, riskiest first, each with why it was held.
// Keys: j/k move, x select, a approve, r reject, e edit then approve (Ctrl+Enter).
// Live: the page listens to GET /v1/events and reloads the list when a comment is
// held, decided, reported or its author's standing changes (never while editing).
import { listFrom, moderation, query } from '../api';
import { append, clear, el, excerpt, highlighted, scoreBars, type Highlight } from '../dom';
import { act, community, showError } from '../shell';
import { authorLink } from './authors';
import { canUndo, decide as sendDecisions, onUndone, undoLast, type Action } from '../decisions';

interface Reason {
  rule?: string;
  attribute?: string;
  score?: number;
  threshold?: number;
  message?: string;
  detail?: string;
}

interface HeldComment {
  id?: string | number;
  comment_id?: string | number;
  community?: string;
  thread_id?: string | number;
  thread?: string | number;
  author?: string;
  text: string;
  risk?: number;
  created_at?: string;
  reasons?: (Reason | string)[];
  why?: (Reason | string)[];
  decision?: { reasons?: (Reason | string)[] };
  scores?: Record<string, number>;
  highlights?: Highlight[];
  status?: string;
  article?: { id: string; title?: string; url?: string };
  parent_comment?: { id: string; author?: string; status?: string; text: string | null } | null;
  author_history?: { comments: number; approved: number; held: number; rejected: number; nudged: number; first_seen?: string };
}

interface QueueReply {
  total?: number;
  next_offset?: number;
  comments?: HeldComment[];
}

const idOf = (item: HeldComment) => String(item.comment_id ?? item.id);
const threadOf = (item: HeldComment) => item.thread_id ?? item.thread;

function reasonText(reason: Reason | string): string {
  if (typeof reason === 'string') return reason;
  const parts = [reason.rule ?? reason.attribute ?? 'rule'];
  if (reason.attribute && reason.rule) parts.push(reason.attribute);
  if (typeof reason.score === 'number') {
    parts.push(
      typeof reason.threshold === 'number'
        ? `${reason.score.toFixed(2)} ≥ ${reason.threshold.toFixed(2)}`
        : reason.score.toFixed(2),
    );
  }
  if (reason.message ?? reason.detail) parts.push(String(reason.message ?? reason.detail));
  return parts.join(' · ');
}

export async function queuePage(root: HTMLElement): Promise<() => void> {
  let items: HeldComment[] = [];
  let cursor = 0;
  const selected = new Set<string>();
  let editing: string | null = null;

  const reason = el('input', { id: 'reason', type: 'text', placeholder: 'Reason (recorded in the audit log)', 'aria-label': 'Reason' });
  // Filters: what GET /v1/queue narrows by; any change reloads from the first page.
  const statusFilter = el('select', { id: 'queue-status', 'aria-label': 'Status' },
    ...['held', 'nudged', 'rejected', 'approved', 'any'].map((v) => el('option', { value: v }, v)));
  const threadFilter = el('input', { id: 'queue-thread', type: 'text', placeholder: 'thread id', 'aria-label': 'Thread' });
  const authorFilter = el('input', { id: 'queue-author', type: 'text', placeholder: 'author', 'aria-label': 'Author' });
  const search = el('input', { id: 'queue-search', type: 'search', placeholder: 'text contains', 'aria-label': 'Search' });
  const sort = el('select', { id: 'queue-sort', 'aria-label': 'Sort' },
    el('option', { value: 'risk' }, 'riskiest first'), el('option', { value: 'newest' }, 'newest first'), el('option', { value: 'oldest' }, 'oldest first'));
  const summary = el('p', { class: 'help', 'data-testid': 'queue-total' });
  const more = el('button', { type: 'button', id: 'queue-more', hidden: true, onclick: () => void load(true) }, 'Load more');
  let nextOffset: number | undefined;
  for (const input of [statusFilter, threadFilter, authorFilter, search, sort]) {
    input.addEventListener('change', () => void load());
  }
  const status = el('p', { class: 'status', role: 'status' });
  const live = el('span', { class: 'live', 'data-testid': 'live-status' }, '');
  const arrived = new Set<string>();  // held while the page was open: marked "new"
  const list = el('ol', { class: 'queue', 'data-testid': 'queue' });
  const bulkApprove = el('button', { type: 'button', onclick: () => void decide([...selected], 'approve') }, 'Approve selected');
  const bulkReject = el('button', { type: 'button', onclick: () => void decide([...selected], 'reject') }, 'Reject selected');
  const selectAll = el('button', {
    type: 'button',
    onclick: () => {
      const all = items.every((item) => selected.has(idOf(item)));
      for (const item of items) (all ? selected.delete(idOf(item)) : selected.add(idOf(item)));
      render();
    },
  }, 'Select all');

  append(
    root,
    el('h1', {}, 'Review queue'),
    el('p', { class: 'help' }, 'j / k move · x select · a approve · r reject · e edit and approve (Ctrl+Enter saves, Esc cancels) · u undo the last decision'),
    el('div', { class: 'toolbar filters' }, statusFilter, threadFilter, authorFilter, search, sort),
    el('div', { class: 'toolbar' }, el('label', { for: 'reason' }, 'Reason '), reason, selectAll, bulkApprove, bulkReject),
    el('div', { class: 'toolbar' }, summary, live),
    status,
    list,
    more,
  );

  async function load(append = false): Promise<void> {
    if (!community()) {
      items = [];
      render('Choose a community above to see its queue.');
      return;
    }
    const data = await moderation<QueueReply>('GET', `queue${query({
      community: community(), limit: 100, offset: append ? nextOffset : undefined,
      status: statusFilter.value === 'held' ? undefined : statusFilter.value,
      thread: threadFilter.value.trim() || undefined, author: authorFilter.value.trim() || undefined,
      q: search.value.trim() || undefined, sort: sort.value === 'risk' ? undefined : sort.value,
    })}`);
    const page = listFrom<HeldComment>(data, 'comments');
    // The cursor stays on its comment when a live reload puts others before it, so
    // a key press never acts on a comment the moderator was not looking at.
    const current = items[cursor] ? idOf(items[cursor]) : undefined;
    items = append ? [...items, ...page] : page;
    const kept = items.findIndex((item) => idOf(item) === current);
    if (kept >= 0) cursor = kept;
    nextOffset = data.next_offset;
    more.hidden = nextOffset === undefined;
    summary.textContent = `${data.total ?? items.length} ${statusFilter.value === 'any' ? '' : `${statusFilter.value} `}comment${data.total === 1 ? '' : 's'}, ${items.length} shown`;
    cursor = Math.min(cursor, Math.max(0, items.length - 1));
    render();
  }

  async function decide(ids: string[], action: Action, text?: string): Promise<void> {
    if (ids.length === 0) return;
    // Send each id exactly as the queue gave it (a string stays a string).
    const raw = new Map(items.map((item) => [idOf(item), item.comment_id ?? item.id]));
    const decisions = ids.map((id) => ({
      comment_id: raw.get(id) ?? id,
      action,
      reason: reason.value,
      ...(text !== undefined ? { text } : {}),
    }));
    status.textContent = '';
    await act(async () => {
      await sendDecisions(decisions);
      // A reason explains one decision: the next one starts without it.
      reason.value = '';
      for (const id of ids) selected.delete(id);
      editing = null;
      await load();
    });
  }

  // An author's standing in this community (PUT /v1/authors/...): trusted authors
  // skip the queue from now on; suspended and banned ones are rejected.
  async function setStanding(author: string, body: Record<string, unknown>): Promise<void> {
    status.textContent = '';
    await act(async () => {
      await moderation('PUT', `authors/${encodeURIComponent(community())}/${encodeURIComponent(author)}`,
        { ...body, reason: reason.value });
      status.textContent = `${author}: ${String(body.standing)}${body.hours ? ` for ${String(body.hours)} h` : ''}`;
      reason.value = '';
      await load();
    });
  }

  function render(empty = 'The queue is empty.'): void {
    clear(list);
    bulkApprove.disabled = bulkReject.disabled = selected.size === 0;
    if (items.length === 0) {
      append(list, el('li', { class: 'empty', 'data-testid': community() ? 'queue-empty' : 'no-community' }, empty));
      return;
    }
    items.forEach((item, index) => {
      const id = idOf(item);
      const box = el('input', { type: 'checkbox', 'aria-label': `Select comment ${id}` });
      box.checked = selected.has(id);
      box.addEventListener('change', () => {
        (box.checked ? selected.add(id) : selected.delete(id));
        render();
      });
      const thread = threadOf(item);
      const history = item.author_history;
      const meta = el('div', { class: 'meta' },
        `#${id}`,
        item.created_at ? ` · ${item.created_at}` : '',
        thread !== undefined ? ' · ' : '',
        thread !== undefined ? el('a', { href: `#/threads/${encodeURIComponent(String(thread))}`, 'data-testid': 'queue-article' }, item.article?.title || `thread ${thread}`) : '',
        item.article?.url ? el('a', { href: item.article.url, rel: 'noopener noreferrer', target: '_blank', class: 'external' }, ' ↗') : '',
        item.author ? ' · ' : '',
        item.author ? authorLink(item.author) : '',
        history ? el('span', { class: 'history', 'data-testid': 'author-history', title: history.first_seen ? `first comment ${history.first_seen}` : '' },
          ` (${history.comments} comment${history.comments === 1 ? '' : 's'}, ${history.held} held, ${history.rejected} rejected)`) : '',
        typeof item.risk === 'number' ? ` · risk ${item.risk.toFixed(2)}` : '',
        item.status && item.status !== 'held' ? ` · ${item.status}` : '');
      const parent = item.parent_comment
        ? el('blockquote', { class: 'parent', 'data-testid': 'parent-comment' },
          el('span', { class: 'meta' }, `in reply to ${item.parent_comment.author || 'a comment'}: `),
          excerpt(item.parent_comment.text ?? '(text not stored)', 240))
        : null;
      const body = editing === id ? editor(item) : el('blockquote', {}, highlighted(item.text ?? '', item.highlights));
      const reasons = el('ul', { class: 'reasons' }, ...(item.why ?? item.reasons ?? item.decision?.reasons ?? []).map((r) => el('li', {}, reasonText(r))));
      const actions = el('div', { class: 'actions' },
        el('button', { type: 'button', onclick: () => void decide([id], 'approve') }, 'Approve (a)'),
        el('button', { type: 'button', onclick: () => void decide([id], 'reject') }, 'Reject (r)'),
        el('button', { type: 'button', onclick: () => startEdit(index) }, 'Edit (e)'),
        item.author ? el('span', { class: 'author-actions' }, ' Author: ',
          el('button', { type: 'button', 'data-action': 'trust', onclick: () => void setStanding(item.author!, { standing: 'trusted' }) }, 'Trust'),
          el('button', { type: 'button', 'data-action': 'suspend', onclick: () => void setStanding(item.author!, { standing: 'suspended', hours: 24 }) }, 'Suspend 24 h'),
          el('button', { type: 'button', 'data-action': 'ban', onclick: () => void setStanding(item.author!, { standing: 'banned' }) }, 'Ban')) : null);
      const fresh = arrived.has(id) ? el('span', { class: 'badge new', 'data-testid': 'new-badge' }, 'new') : null;
      const row = el('li', { class: index === cursor ? 'item current' : 'item', 'data-comment-id': id },
        el('div', { class: 'select' }, box), el('div', { class: 'main' }, fresh, meta, parent, body, el('div', { class: 'why' }, 'Held because: ', reasons), scoreBars(item.scores), actions));
      row.addEventListener('click', (event) => {
        if ((event.target as HTMLElement).closest('button, input, textarea, a')) return;
        cursor = index;
        render();
      });
      append(list, row);
    });
    list.querySelector('.current')?.scrollIntoView({ block: 'nearest' });
  }

  function editor(item: HeldComment): HTMLElement {
    const area = el('textarea', { class: 'edit', rows: 4, 'aria-label': 'Edited text' });
    area.value = item.text ?? '';
    const save = () => void decide([idOf(item)], 'edit_approve', area.value);
    area.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) save();
      if (event.key === 'Escape') {
        editing = null;
        render();
      }
    });
    queueMicrotask(() => area.focus());
    return el('div', { class: 'editor' }, area, el('button', { type: 'button', onclick: save }, 'Save and approve'));
  }

  function startEdit(index: number): void {
    cursor = index;
    editing = idOf(items[index]);
    render();
  }

  const onKey = (event: KeyboardEvent) => {
    const target = event.target as HTMLElement;
    if (target.closest('input, textarea, select') || event.ctrlKey || event.metaKey || event.altKey) return;
    const item = items[cursor];
    switch (event.key) {
      case 'j': cursor = Math.min(items.length - 1, cursor + 1); render(); break;
      case 'k': cursor = Math.max(0, cursor - 1); render(); break;
      case 'x': if (item) { const id = idOf(item); (selected.has(id) ? selected.delete(id) : selected.add(id)); render(); } break;
      case 'a': if (item) void decide(selected.size ? [...selected] : [idOf(item)], 'approve'); break;
      case 'r': if (item) void decide(selected.size ? [...selected] : [idOf(item)], 'reject'); break;
      case 'e': if (item) { event.preventDefault(); startEdit(cursor); } break;
      case 'u': if (canUndo()) void undoLast(); break;
      default: return;
    }
  };
  document.addEventListener('keydown', onKey);

  // Live updates: one reload for a burst of events, none while a comment is edited.
  let reloadTimer: number | undefined;
  function reloadSoon(): void {
    window.clearTimeout(reloadTimer);
    reloadTimer = window.setTimeout(() => {
      if (editing !== null) return reloadSoon();
      // Not act(): a reload nobody asked for must not clear an error being read.
      load().catch(showError);
    }, 250);
  }
  let source: EventSource | undefined;
  if (community() && typeof EventSource !== 'undefined') {
    source = new EventSource(`/console/api/v1/events${query({ community: community() })}`);
    let lost = false;
    source.addEventListener('open', () => {
      live.textContent = '● live';
      live.title = 'New held comments appear here as they come.';
      // Events sent while the stream was away are not replayed: reload instead.
      if (lost) reloadSoon();
      lost = false;
    });
    source.addEventListener('error', () => {
      // EventSource reconnects by itself (the server ends each stream after a few
      // minutes, so the session is checked again).
      lost = true;
      live.textContent = '○ reconnecting…';
    });
    source.addEventListener('comment.held', (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as { comment_id: string };
      arrived.add(String(data.comment_id));
      live.textContent = `● live · new: #${data.comment_id}`;
      reloadSoon();
    });
    for (const type of ['comment.decided', 'comment.reported', 'author.standing', 'thread.imported']) {
      source.addEventListener(type, reloadSoon);
    }
  }
  onUndone(() => void load().catch(showError));
  await load();
  return () => {
    onUndone(null);
    window.clearTimeout(reloadTimer);
    source?.close();
    document.removeEventListener('keydown', onKey);
  };
}
