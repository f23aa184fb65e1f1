// Readers' reports: comments readers flagged (POST /v1/comments/{id}:report),
// most reported first, with the reasons; a decision here answers the reports.
import { listFrom, moderation, query } from '../api';
import { append, el, highlighted, type Highlight } from '../dom';
import { act, community } from '../shell';
import { decide } from '../decisions';

interface ReportedComment {
  id: string;
  thread?: string;
  author?: string;
  text: string | null;
  status?: string;
  created_at?: string;
  highlights?: Highlight[];
  reports: { open: number; reasons: Record<string, number>; latest_at: string };
}

export async function reportsPage(root: HTMLElement): Promise<void> {
  append(root, el('h1', {}, 'Readers’ reports'));
  if (!community()) {
    append(root, el('p', {}, 'Choose a community above to see what its readers reported.'));
    return;
  }
  const data = await moderation<{ total?: number }>('GET', `reports${query({ community: community(), limit: 100 })}`);
  const items = listFrom<ReportedComment>(data, 'comments');
  append(root, el('p', { class: 'help', 'data-testid': 'reports-total' },
    `${data.total ?? items.length} reported comment${data.total === 1 ? '' : 's'} awaiting a decision`));
  const answer = (id: string, action: 'approve' | 'reject') => void act(async () => {
    await decide([{ comment_id: id, action }]);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  });
  append(root, el('ol', { class: 'queue', 'data-testid': 'reports' }, ...items.map((item) =>
    el('li', { class: 'item', 'data-comment-id': item.id },
      el('div', { class: 'main' },
        el('div', { class: 'meta' }, `#${item.id}`, item.created_at ? ` · ${item.created_at}` : '',
          item.thread ? ' · ' : '', item.thread ? el('a', { href: `#/threads/${encodeURIComponent(item.thread)}` }, `thread ${item.thread}`) : '',
          item.author ? ` · ${item.author}` : '', item.status ? ` · ${item.status}` : ''),
        el('blockquote', {}, highlighted(item.text ?? '(text not stored)', item.highlights)),
        el('div', { class: 'why', 'data-testid': 'report-reasons' },
          `${item.reports.open} report${item.reports.open === 1 ? '' : 's'}: `,
          Object.entries(item.reports.reasons).sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${reason} ${n}`).join(', ')),
        el('div', { class: 'actions' },
          el('button', { type: 'button', 'data-action': 'approve', onclick: () => answer(item.id, 'approve') }, 'Keep (approve)'),
          el('button', { type: 'button', 'data-action': 'reject', onclick: () => answer(item.id, 'reject') }, 'Reject')))))));
}
