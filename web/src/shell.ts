// The frame around every page: navigation, the community filter, the signed-in
// user, and one place to show errors.
import { currentUser, logout, ApiError } from './api';
import { append, clear, el } from './dom';

const communityInput = el('input', { id: 'community', type: 'text', placeholder: 'community id', 'aria-label': 'Community' });
communityInput.value = localStorage.getItem('comity.community') ?? '';
communityInput.addEventListener('change', () => {
  localStorage.setItem('comity.community', communityInput.value.trim());
  window.dispatchEvent(new HashChangeEvent('hashchange'));
});

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

const pages: [string, string][] = [
  ['#/queue', 'Queue'],
  ['#/threads', 'Threads'],
  ['#/dashboard', 'Dashboard'],
  ['#/policies', 'Policies'],
  ['#/audit', 'Audit'],
  ['#/models', 'Model'],
];

export function frame(app: HTMLElement, active: string): HTMLElement {
  clear(app);
  const main = el('main', { id: 'page' });
  const nav = el('nav', {},
    el('span', { class: 'brand' }, 'Comity'),
    ...pages.map(([href, label]) => el('a', { href, class: active.startsWith(href) ? 'active' : undefined }, label)),
    el('label', { class: 'community' }, 'Community ', communityInput),
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
  return main;
}
