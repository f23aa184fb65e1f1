// The model in use (with its measured quality) and the audit log, as tables a
// person reads: no raw JSON.
import { listFrom, moderation, query } from '../api';
import { append, el } from '../dom';
import { community } from '../shell';

type Row = Record<string, unknown>;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(cell).join(', ');
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4);
  if (typeof value === 'object') return Object.entries(value as Row).map(([k, v]) => `${k}: ${cell(v)}`).join('; ');
  return String(value);
}

function table(columns: string[], rows: Row[], testid: string): HTMLElement {
  return el('table', { class: 'data', 'data-testid': testid },
    el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', {}, c)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...columns.map((c) => el('td', {}, cell(r[c])))))));
}

// One evaluation suite per row, the figures the model card reports.
const qualityColumns = ['suite', 'attribute', 'kind', 'n', 'roc_auc', 'pr_auc', 'macro_f1', 'spearman', 'mae', 'cases', 'passed'];

function qualityView(quality: unknown): HTMLElement {
  const suites = ((quality ?? {}) as Row).suites as Record<string, Row> | undefined;
  if (!suites || Object.keys(suites).length === 0) {
    return el('p', { 'data-testid': 'quality-none' }, 'No measured quality recorded beside this model (see its model card).');
  }
  const rows: Row[] = Object.entries(suites).map(([suite, figures]) => ({ suite, ...figures }));
  const present = qualityColumns.filter((c) => c === 'suite' || rows.some((r) => r[c] !== undefined));
  return table(present, rows, 'quality');
}

export async function modelsPage(root: HTMLElement): Promise<void> {
  const data = await moderation<Row>('GET', 'models');
  append(root, el('h1', {}, 'Model'));
  const models = listFrom<Row>(data, 'models');
  for (const model of models.length ? models : [data]) {
    const { quality, attributeLanguages, ...rest } = model;
    void attributeLanguages;  // the languages line says the same, shorter
    append(root,
      el('h2', {}, String(model.version ?? model.name ?? 'model')),
      el('dl', { class: 'model', 'data-testid': 'model' },
        ...Object.entries(rest).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, cell(v))])),
      el('h3', {}, 'Measured quality'),
      qualityView(quality));
  }
}

function detailView(detail: unknown): HTMLElement | string {
  if (detail === null || typeof detail !== 'object' || Object.keys(detail as Row).length === 0) return '';
  return el('dl', { class: 'audit-detail' },
    ...Object.entries(detail as Row).flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, cell(v))]));
}

export async function auditPage(root: HTMLElement): Promise<void> {
  const data = await moderation('GET', `audit${query({ community: community(), limit: 200 })}`);
  const rows = listFrom<Row>(data, 'entries');
  append(root, el('h1', {}, 'Audit log'));
  if (rows.length === 0) {
    append(root, el('p', {}, 'Nothing recorded yet.'));
    return;
  }
  const columns = ['created_at', 'community', 'actor', 'action', 'subject', 'detail'];
  append(root, el('table', { class: 'data', 'data-testid': 'audit' },
    el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', {}, c === 'created_at' ? 'when' : c)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {},
      ...columns.map((c) => el('td', {}, c === 'detail' ? detailView(r.detail) : cell(r[c]))))))));
}
