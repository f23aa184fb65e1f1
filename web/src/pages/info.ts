// Model information and the audit log, shown as plain tables.
import { listFrom, moderation, query } from '../api';
import { append, el } from '../dom';
import { community } from '../shell';

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function table(rows: Record<string, unknown>[], testid: string): HTMLElement {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return el('table', { class: 'data', 'data-testid': testid },
    el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', {}, c)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...columns.map((c) => el('td', {}, cell(r[c])))))));
}

export async function modelsPage(root: HTMLElement): Promise<void> {
  const data = await moderation<Record<string, unknown>>('GET', 'models');
  append(root, el('h1', {}, 'Model'));
  const models = listFrom<Record<string, unknown>>(data, 'models');
  for (const model of models.length ? models : [data]) {
    append(root, el('dl', { class: 'model', 'data-testid': 'model' },
      ...Object.entries(model).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, cell(v))])));
  }
}

export async function auditPage(root: HTMLElement): Promise<void> {
  const data = await moderation('GET', `audit${query({ community: community(), limit: 200 })}`);
  const rows = listFrom<Record<string, unknown>>(data, 'entries', 'items', 'audit', 'events');
  append(root, el('h1', {}, 'Audit log'), rows.length ? table(rows, 'audit') : el('p', {}, 'Nothing recorded yet.'));
}
