import { login } from '../api';
import { clear, el } from '../dom';

export function loginPage(app: HTMLElement, next: string): void {
  clear(app);
  const name = el('input', { id: 'login-name', name: 'username', autocomplete: 'username', required: true });
  const password = el('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const message = el('p', { class: 'error', role: 'alert', hidden: true });
  const form = el('form', { class: 'login' },
    el('h1', {}, 'Comity console'),
    el('label', { for: 'login-name' }, 'Name'), name,
    el('label', { for: 'login-password' }, 'Password'), password,
    el('button', { type: 'submit' }, 'Sign in'),
    message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await login(name.value, password.value);
      location.hash = next;
    } catch (error) {
      message.textContent = error instanceof Error ? error.message : String(error);
      message.hidden = false;
      password.value = '';
    }
  });
  app.appendChild(form);
  name.focus();
}
