// One author in the chosen community (#/authors/<name>): their standing (trusted,
// suspended, banned, with reason and end; GET/PUT/DELETE /v1/authors/...), their
// record, and every comment of theirs, newest first, each with its status and
// scores and Approve / Reject / Edit.
import { listFrom, moderation, query } from '../api';
import { append, el, highlighted, scoreBars, type Highlight } from '../dom';
import { act, community } from '../shell';
import { commentActions } from '../decisions';

interface Standing {
  standing: 'trusted' | 'suspended' | 'banned';
  until: string | null;
  reason: string;
  actor: string;
  created_at: string;
}

interface AuthorRecord {
  author: string;
  standing: Standing | null;
  comments: number;
  approved: number;
  held: number;
  rejected: number;
  nudged: number;
  first_seen?: string;
}

interface AuthorComment {
  id: string;
  thread?: string;
  article?: { id: string; title?: string };
  text: string | null;
  status?: string;
  risk?: number;
  created_at?: string;
  scores?: Record<string, number>;
  highlights?: Highlight[];
}

// A link to an author's page, for wherever an author's name is shown.
export function authorLink(author: string): HTMLElement {
  return el('a', { href: `#/authors/${encodeURIComponent(author)}`, class: 'author', 'data-testid': 'author-link' }, author);
}

function standingText(s: Standing | null): string {
  if (!s) return 'No standing: the policy decides on their comments.';
  const until = s.until ? ` until ${s.until}` : '';
  return `${s.standing}${until}${s.reason ? ` — ${s.reason}` : ''} (by ${s.actor}, ${s.created_at})`;
}

export async function authorPage(root: HTMLElement, author: string): Promise<void> {
  append(root, el('p', {}, el('a', { href: '#/queue' }, '← Queue')), el('h1', {}, `Author: ${author}`));
  if (!community()) {
    append(root, el('p', {}, 'Choose a community above to see this author there.'));
    return;
  }
  const path = `authors/${encodeURIComponent(community())}/${encodeURIComponent(author)}`;
  // Their comments, 100 at a time (GET /v1/queue pages them).
  const commentsFrom = (offset?: number) => moderation<{ total?: number; next_offset?: number }>('GET',
    `queue${query({ community: community(), author, status: 'any', sort: 'newest', limit: 100, offset })}`);
  const [record, page] = await Promise.all([moderation<AuthorRecord>('GET', path), commentsFrom()]);
  const comments = listFrom<AuthorComment>(page, 'comments');
  const total = page.total ?? comments.length;
  let nextOffset = page.next_offset;
  let shown = comments.length;
  const summary = el('p', { class: 'help', 'data-testid': 'author-total' });
  const describe = () => {
    summary.textContent = `${total} comment${total === 1 ? '' : 's'}, newest first${shown < total ? `, ${shown} shown` : ''}`;
  };
  describe();
  const list = el('ol', { class: 'queue', 'data-testid': 'author-comments' });
  const more = el('button', { type: 'button', id: 'author-more', hidden: nextOffset === undefined }, 'Load more');
  more.addEventListener('click', () => void act(async () => {
    const next = await commentsFrom(nextOffset);
    const items = listFrom<AuthorComment>(next, 'comments');
    append(list, ...items.map(commentItem));
    shown += items.length;
    nextOffset = next.next_offset;
    more.hidden = nextOffset === undefined;
    describe();
  }));
  append(list, ...comments.map(commentItem));

  const reason = el('input', { id: 'standing-reason', type: 'text', placeholder: 'Reason (shown in the audit log)', 'aria-label': 'Reason' });
  const hours = el('input', { id: 'standing-hours', type: 'number', min: 1, value: 24, 'aria-label': 'Hours', class: 'hours' });
  const setStanding = (body: Record<string, unknown> | null) => void act(async () => {
    if (body) await moderation('PUT', path, { ...body, reason: reason.value });
    else await moderation('DELETE', path);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  });
  append(root,
    el('section', { class: 'author-standing' },
      el('h2', {}, 'Standing'),
      el('p', { 'data-testid': 'author-standing', class: record.standing ? `standing-${record.standing.standing}` : undefined },
        standingText(record.standing)),
      el('div', { class: 'toolbar' },
        el('label', { for: 'standing-reason' }, 'Reason '), reason,
        el('button', { type: 'button', 'data-action': 'trust', onclick: () => setStanding({ standing: 'trusted' }) }, 'Trust'),
        el('button', { type: 'button', 'data-action': 'suspend', onclick: () => setStanding({ standing: 'suspended', hours: Number(hours.value) }) }, 'Suspend for'),
        hours, ' h',
        el('button', { type: 'button', 'data-action': 'ban', onclick: () => setStanding({ standing: 'banned' }) }, 'Ban'),
        record.standing ? el('button', { type: 'button', 'data-action': 'clear', onclick: () => setStanding(null) }, 'Clear') : null)),
    el('section', {},
      el('h2', {}, 'Record'),
      el('p', { 'data-testid': 'author-counts' },
        `${record.comments} comment${record.comments === 1 ? '' : 's'}: ${record.approved} approved, ${record.held} held, ` +
        `${record.rejected} rejected, ${record.nudged} nudged`,
        record.first_seen ? ` · first seen ${record.first_seen}` : '')),
    el('h2', {}, 'Comments'),
    summary,
    list,
    more);
}

function commentItem(c: AuthorComment): HTMLElement {
  return el('li', { class: `item status-${c.status ?? 'unknown'}`, 'data-comment-id': c.id },
    el('div', { class: 'main' },
      el('div', { class: 'meta' }, `#${c.id}`, c.created_at ? ` · ${c.created_at}` : '', ' · ',
        el('a', { href: `#/threads/${encodeURIComponent(String(c.article?.id ?? c.thread ?? ''))}` }, c.article?.title || `thread ${c.thread ?? ''}`),
        el('span', { class: 'status', 'data-testid': 'comment-status' }, ` · ${c.status ?? 'unknown'}`),
        typeof c.risk === 'number' ? ` · risk ${c.risk.toFixed(2)}` : ''),
      el('blockquote', {}, highlighted(c.text ?? '(text not stored)', c.highlights)),
      scoreBars(c.scores),
      commentActions(c)));
}
