// Volume and mean toxicity per day, and how often each action was taken.
import { listFrom, moderation, query } from '../api';
import { append, el } from '../dom';
import { barChart, lineChart, stackedBarChart, type Point, type Series } from '../charts';
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
  const statuses = (data.statuses ?? {}) as Record<string, unknown>;
  const byStatus: Point[] = Object.entries(statuses).map(([label, value]) => ({ label, value: num(value) }));
  // Actions taken per day, split between the policy's automatic decisions and moderators'.
  const taken = listFrom<Row>(data, 'actions');
  const takenDays = [...new Set(taken.map((r) => String(r.day ?? '')))].sort();
  const seriesNames = [...new Set(taken.map((r) => `${r.by === 'policy' ? 'policy' : 'moderators'}: ${String(r.action)}`))];
  const series: Series[] = seriesNames.map((name) => ({
    name,
    values: takenDays.map((day) => taken
      .filter((r) => String(r.day) === day && `${r.by === 'policy' ? 'policy' : 'moderators'}: ${String(r.action)}` === name)
      .reduce((sum, r) => sum + num(r.count), 0)),
  }));
  const grid = el('div', { class: 'charts', 'data-testid': 'dashboard' },
    barChart('Comments per day', volume),
    lineChart('Mean toxicity per day', toxicity),
    barChart('Comments by status', byStatus),
    stackedBarChart('Actions taken per day', takenDays.map((d) => d.slice(5) || '?'), series));
  append(root, grid);
  if (days.length === 0 && byStatus.length === 0) append(root, el('p', {}, 'No activity yet.'));
}
