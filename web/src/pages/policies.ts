// A community's policy as TOML: anyone may dry-run it, only admins may save it.
import { currentUser, moderation } from '../api';
import { append, clear, el } from '../dom';
import { act, community } from '../shell';

function policyText(data: unknown): string {
  if (typeof data === 'string') return data;
  const object = (data ?? {}) as Record<string, unknown>;
  for (const field of ['toml', 'policy', 'text', 'source']) {
    if (typeof object[field] === 'string') return object[field] as string;
  }
  return '';
}

export async function policiesPage(root: HTMLElement): Promise<void> {
  const name = el('input', { id: 'policy-community', type: 'text', 'aria-label': 'Community' });
  name.value = community() || 'default';
  const area = el('textarea', { id: 'policy-text', rows: 18, spellcheck: 'false', 'aria-label': 'Policy (TOML)' });
  const isAdmin = currentUser?.role === 'admin';
  const save = el('button', { id: 'policy-save', type: 'button', disabled: !isAdmin, title: isAdmin ? undefined : 'Only admins may edit policies' }, 'Save');
  const dry = el('button', { id: 'policy-dry-run', type: 'button' }, 'Dry run');
  const load = el('button', { type: 'button' }, 'Load');
  const status = el('p', { class: 'status', role: 'status', 'data-testid': 'policy-status' });
  const results = el('section', { class: 'dry-run', 'data-testid': 'dry-run' });

  const path = () => `policies/${encodeURIComponent(name.value.trim() || 'default')}`;
  // Each action replaces what the previous one showed: its status, its dry run, its error.
  const start = () => {
    status.textContent = '';
    clear(results);
  };
  async function reload(): Promise<void> {
    start();
    await act(async () => {
      area.value = policyText(await moderation('GET', path()));
    });
  }
  load.addEventListener('click', () => void reload());
  save.addEventListener('click', () => {
    start();
    void act(async () => {
      await moderation('PUT', path(), area.value, 'application/toml');
      status.textContent = 'Saved.';
    });
  });
  dry.addEventListener('click', () => {
    start();
    void act(async () => {
      renderDryRun(results, await moderation('POST', `${path()}:dry_run`, area.value, 'application/toml'));
    });
  });

  append(root, el('h1', {}, 'Policy'),
    el('div', { class: 'toolbar' }, el('label', { for: 'policy-community' }, 'Community '), name, load, dry, save),
    isAdmin ? null : el('p', { class: 'help' }, 'Moderators may dry-run a policy; only admins may save it.'),
    area, status, results);
  await reload();
}

function renderDryRun(section: HTMLElement, data: unknown): void {
  clear(section);
  const object = (data ?? {}) as Record<string, unknown>;
  const before = (object.before ?? {}) as Record<string, unknown>;
  const after = (object.after ?? object.counts ?? {}) as Record<string, unknown>;
  const actions = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  append(section, el('h2', {}, 'Dry run'),
    el('p', {}, `${String(object.comments ?? 0)} recent comments, ${String(object.changed ?? 0)} would change`,
      object.skipped ? `, ${String(object.skipped)} skipped (text not stored)` : ''),
    el('table', { class: 'counts' },
      el('thead', {}, el('tr', {}, el('th', {}, 'action'), el('th', {}, 'now'), el('th', {}, 'with this policy'))),
      el('tbody', {}, ...actions.map((a) => el('tr', {}, el('th', {}, a), el('td', {}, String(before[a] ?? 0)), el('td', {}, String(after[a] ?? 0)))))));
  const examples = Array.isArray(object.examples) ? (object.examples as Record<string, unknown>[]) : [];
  if (examples.length) {
    append(section, el('h3', {}, 'Examples'), el('ul', { class: 'examples' }, ...examples.map((e) => {
      const reasons = Array.isArray(e.reasons) ? (e.reasons as { rule?: string; detail?: string }[]) : [];
      return el('li', {},
        el('strong', {}, `${String(e.before ?? '?')} → ${String(e.after ?? '?')}`), ' ',
        el('span', { class: 'comment-text' }, typeof e.text === 'string' ? e.text : '(text not stored)'),
        reasons.length ? el('span', { class: 'meta' }, ` · ${reasons.map((r) => r.detail ?? r.rule).join('; ')}`) : null);
    })));
  }
}
