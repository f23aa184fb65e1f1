// Import a site's comment export into the current community: one thread under a
// chosen id, or every thread of a WordPress/Disqus site export under a prefix.
// A dry run shows what the policy would decide; only admins may store.
import { currentUser, listFrom, moderation, query } from '../api';
import { append, clear, el } from '../dom';
import { act, community, showError } from '../shell';

interface ThreadResult {
  thread_id: string;
  imported?: number;
  skipped?: number;
  actions?: Record<string, number>;
  warnings?: string[];
}

const stem = (name: string) => name.replace(/\.[^.]*$/, '').replace(/[/:\s]+/g, '-') || 'import';

export async function importPage(root: HTMLElement): Promise<void> {
  if (!community()) {
    append(root, el('h1', {}, 'Import'), el('p', {}, 'Choose a community above to import into.'));
    return;
  }
  const isAdmin = currentUser?.role === 'admin';
  const file = el('input', { id: 'import-file', type: 'file', accept: '.xml,.wxr,.jsonl,.json,.txt', 'aria-label': 'Export file' });
  const whole = el('input', { id: 'import-whole', type: 'checkbox', checked: true });
  const name = el('input', { id: 'import-name', type: 'text', 'aria-label': 'Thread id or prefix' });
  const dry = el('button', { id: 'import-dry-run', type: 'button' }, 'Dry run');
  const store = el('button', { id: 'import-store', type: 'button', disabled: !isAdmin, title: isAdmin ? undefined : 'Only admins may import' }, 'Import');
  const results = el('section', { 'data-testid': 'import-results' });
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen && !name.value) name.value = stem(chosen.name);
  });

  async function run(dryRun: boolean): Promise<void> {
    clear(results);  // never a previous import's table under this one's error
    const chosen = file.files?.[0];
    if (!chosen) {
      showError(new Error('Choose an export file first.'));
      return;
    }
    const id = name.value.trim() || stem(chosen.name);
    const params = { community: community(), dry_run: dryRun ? 'true' : undefined, ...(whole.checked ? { prefix: id } : { thread: id }) };
    await act(async () => {
      const reply = await moderation<Record<string, unknown>>('POST', `threads:import${query(params)}`, await chosen.text(), 'text/plain');
      render(results, reply, dryRun);
    });
  }
  dry.addEventListener('click', () => void run(true));
  store.addEventListener('click', () => void run(false));

  append(root, el('h1', {}, 'Import'),
    el('p', { class: 'help' },
      'A WordPress (WXR) or Disqus export, Comity JSON Lines, or a text page dump. Every comment is scored and decided by ',
      `the policy of “${community()}” as if posted now; everything is stored in one transaction, and comments imported before are skipped. `,
      'Exports larger than the server’s body limit: use `comity import` on the server.'),
    el('div', { class: 'toolbar' }, file,
      el('label', { for: 'import-whole' }, whole, ' every thread of a site export, named '),
      el('label', { for: 'import-name' }, name, ' (prefix, or the thread id when unticked)')),
    el('div', { class: 'toolbar' }, dry, store),
    isAdmin ? null : el('p', { class: 'help' }, 'Moderators may dry-run an import; only admins may store it.'),
    results);
}

function render(section: HTMLElement, reply: Record<string, unknown>, dryRun: boolean): void {
  clear(section);
  const threads = listFrom<ThreadResult>(reply, 'threads');
  append(section,
    el('h2', {}, dryRun ? 'Dry run: nothing stored' : 'Imported'),
    el('p', { 'data-testid': 'import-summary' },
      `${String(reply.imported ?? 0)} comments ${dryRun ? 'would be imported' : 'imported'} in ${threads.length} thread(s), ${String(reply.skipped ?? 0)} skipped`),
    el('table', { class: 'data' },
      el('thead', {}, el('tr', {}, el('th', {}, 'thread'), el('th', {}, 'imported'), el('th', {}, 'skipped'), el('th', {}, 'decisions'))),
      el('tbody', {}, ...threads.map((t) => el('tr', {},
        el('td', {}, dryRun ? t.thread_id : el('a', { href: `#/threads/${encodeURIComponent(t.thread_id)}` }, t.thread_id)),
        el('td', {}, String(t.imported ?? 0)),
        el('td', {}, String(t.skipped ?? 0)),
        el('td', {}, Object.entries(t.actions ?? {}).map(([a, n]) => `${a} ${n}`).join(', ') || '—'))))));
  const warnings = Array.isArray(reply.warnings) ? (reply.warnings as string[]) : [];
  if (warnings.length) append(section, el('h3', {}, 'Warnings'), el('ul', { class: 'warnings' }, ...warnings.map((w) => el('li', {}, w))));
}
