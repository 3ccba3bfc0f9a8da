// The sign-in form.
import { errorText } from '@authors/client';
import { h } from './dom';

export function loginView(onSubmit: (username: string, password: string) => Promise<void>): HTMLElement {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, 'aria-label': 'Username' });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'aria-label': 'Password',
  });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'login', 'data-testid': 'login-form' },
    h('h2', {}, 'Sign in'),
    h('label', {}, 'Username', username),
    h('label', {}, 'Password', password),
    submit,
    error,
    h('p', { class: 'hint' }, 'Development users: admin, writer, reader, nobody (password = name).'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    onSubmit(username.value, password.value)
      .catch((reason: unknown) => (error.textContent = errorText(reason)))
      .finally(() => (submit.disabled = false));
  });
  return form;
}
