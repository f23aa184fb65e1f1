// The frame around every page: navigation, the community filter, the signed-in
// user, and one place to show errors.
import { currentUser, listFrom, logout, moderation, ApiError } from './api';
import { append, clear, el } from './dom';

// A text field with the store's communities as suggestions (GET /v1/communities),
// so a moderator picks one but can still type a community that has no comments yet.
const communityList = el('datalist', { id: 'community-options', 'data-testid': 'community-options' });
const communityInput = el('input', {
  id: 'community', type: 'text', placeholder: 'community id', 'aria-label': 'Community',
  list: 'community-options', autocomplete: 'off',
});
communityInput.value = localStorage.getItem('comity.community') ?? '';
communityInput.addEventListener('change', () => {
  localStorage.setItem('comity.community', communityInput.value.trim());
  // Redraw after this event: redrawing removes the focused field, whose blur can
  // fire another change in the middle of the first redraw's DOM removal.
  setTimeout(() => window.dispatchEvent(new HashChangeEvent('hashchange')), 0);
});

interface CommunitySummary {
  id: string;
  threads?: number;
  comments?: number;
  held?: number;
}

let communitiesLoaded = 0;  // ms timestamp of the last load

// Refreshed at most every 30 s: on each page and when the field gets focus.
async function loadCommunities(): Promise<void> {
  if (!currentUser || Date.now() - communitiesLoaded < 30_000) return;
  communitiesLoaded = Date.now();
  try {
    const data = await moderation('GET', 'communities');
    const options = listFrom<CommunitySummary>(data, 'communities').map((c) =>
      el('option', { value: String(c.id) },
        `${c.threads ?? 0} threads · ${c.comments ?? 0} comments · ${c.held ?? 0} held`));
    clear(communityList);
    append(communityList, ...options);
  } catch {
    communitiesLoaded = 0;  // an older server without the route: typing still works
  }
}
communityInput.addEventListener('focus', () => void loadCommunities());

export function community(): string {
  return communityInput.value.trim();
}

const errorBox = el('div', { class: 'error', role: 'alert', hidden: true });

export function showError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  errorBox.textContent = error instanceof ApiError ? `${error.status}: ${message}` : message;
  errorBox.hidden = false;
}

export function clearError(): void {
  errorBox.hidden = true;
  errorBox.textContent = '';
}

// Runs one user action: the previous action's error goes when this one starts,
// and this one's error is shown. Resolves to undefined when it failed.
export async function act<T>(action: () => Promise<T>): Promise<T | undefined> {
  clearError();
  try {
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  }
}

const pages: [string, string][] = [
  ['#/queue', 'Queue'],
  ['#/reports', 'Reports'],
  ['#/threads', 'Threads'],
  ['#/dashboard', 'Dashboard'],
  ['#/policies', 'Policies'],
  ['#/import', 'Import'],
  ['#/audit', 'Audit'],
  ['#/models', 'Model'],
];

export function frame(app: HTMLElement, active: string): HTMLElement {
  clear(app);
  const main = el('main', { id: 'page' });
  const nav = el('nav', {},
    el('span', { class: 'brand' }, 'Comity'),
    ...pages.map(([href, label]) => el('a', { href, class: active.startsWith(href) ? 'active' : undefined }, label)),
    el('label', { class: 'community' }, 'Community ', communityInput, communityList),
    el('span', { class: 'user', 'data-testid': 'user' }, currentUser ? `${currentUser.name} (${currentUser.role})` : ''),
    el('button', {
      type: 'button',
      onclick: async () => {
        try {
          await logout();
        } finally {
          location.hash = '#/login';
        }
      },
    }, 'Sign out'));
  append(app, el('header', {}, nav), errorBox, main);
  clearError();
  void loadCommunities();
  return main;
}
