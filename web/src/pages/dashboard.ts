// Volume and mean toxicity per day, and how often each action was taken.
import { listFrom, moderation, query } from '../api';
import { append, el } from '../dom';
import { barChart, lineChart, type Point } from '../charts';
import { community } from '../shell';

type Row = Record<string, unknown>;

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const dayOf = (row: Row) => String(row.day ?? row.date ?? '').slice(5) || '?';

export async function dashboardPage(root: HTMLElement): Promise<void> {
  if (!community()) {
    append(root, el('h1', {}, 'Dashboard'), el('p', {}, 'Choose a community above.'));
    return;
  }
  const data = await moderation<Row>('GET', `dashboard${query({ community: community() })}`);
  append(root, el('h1', {}, 'Dashboard'));
  const days = listFrom<Row>(data, 'days', 'per_day', 'daily');
  const volume: Point[] = days.map((d) => ({ label: dayOf(d), value: num(d.volume ?? d.comments ?? d.count) }));
  const toxicity: Point[] = days.map((d) => ({ label: dayOf(d), value: num(d.mean_toxicity ?? d.toxicity) }));
  const actionsSource = (data.actions ?? data.action_counts ?? data.statuses ?? {}) as Record<string, unknown>;
  const actions: Point[] = Array.isArray(actionsSource)
    ? (actionsSource as Row[]).map((a) => ({ label: String(a.action ?? a.name), value: num(a.count) }))
    : Object.entries(actionsSource).map(([label, value]) => ({ label, value: num(value) }));
  const grid = el('div', { class: 'charts', 'data-testid': 'dashboard' },
    barChart('Comments per day', volume),
    lineChart('Mean toxicity per day', toxicity),
    barChart('Comments by status', actions));
  append(root, grid);
  if (days.length === 0 && actions.length === 0) append(root, el('p', {}, 'No activity yet.'));
}
