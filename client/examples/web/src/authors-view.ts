// Authors: search by name, page through, and — with the roles for it — create, rename and delete.
// Controls the user has no role for are not rendered at all; the server enforces the same roles.
import { errorText, type Author, type PaginatedAuthors } from '@authors/client';
import { h } from './dom';
import type { SignedIn } from './session';

const PER_PAGE = 10;
const SEARCH_DELAY_MS = 250;

export function authorsView({ client, can }: SignedIn): { element: HTMLElement; reload(): void } {
  let page = 1;
  let search = '';
  let loaded: PaginatedAuthors | undefined;

  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'authors-error' });
  const rows = h('tbody');
  const pageInfo = h('span', { 'data-testid': 'page-info' });
  const previous = h('button', { type: 'button', 'data-testid': 'previous-page' }, '‹ Previous');
  const next = h('button', { type: 'button', 'data-testid': 'next-page' }, 'Next ›');
  const searchInput = h('input', { type: 'search', placeholder: 'Search by name', 'aria-label': 'Search by name', 'data-testid': 'search' });

  /** Runs a call, showing its error (if any) above the table; reloads the page after a write. */
  async function attempt(call: () => Promise<unknown>, reloadAfter = true): Promise<boolean> {
    error.textContent = '';
    try {
      await call();
      if (reloadAfter) await load();
      return true;
    } catch (reason) {
      error.textContent = errorText(reason);
      return false;
    }
  }

  function row(author: Author): HTMLTableRowElement {
    const name = h('td', { class: 'name' }, author.name);
    const actions = h('td', { class: 'actions' });
    const tr = h('tr', { 'data-author-id': String(author.id) }, h('td', { class: 'id' }, String(author.id)), name, actions);
    if (can('update-author')) {
      const edit = h('button', { type: 'button', 'data-testid': 'edit' }, 'Edit');
      edit.addEventListener('click', () => {
        const input = h('input', { value: author.name, 'aria-label': 'New name', 'data-testid': 'edit-name' });
        const save = h('button', { type: 'submit', 'data-testid': 'save' }, 'Save');
        const cancel = h('button', { type: 'button' }, 'Cancel');
        const form = h('form', { class: 'inline' }, input, save, cancel);
        form.addEventListener('submit', (event) => {
          event.preventDefault();
          void attempt(() => client.authors.update.mutate({ id: author.id, name: input.value }));
        });
        cancel.addEventListener('click', () => name.replaceChildren(author.name));
        name.replaceChildren(form);
        input.focus();
      });
      actions.append(edit);
    }
    if (can('delete-author')) {
      const remove = h('button', { type: 'button', class: 'danger', 'data-testid': 'delete' }, 'Delete');
      remove.addEventListener('click', () => {
        if (confirm(`Delete author ${author.id} (${author.name})?`)) void attempt(() => client.authors.delete.mutate({ id: author.id }));
      });
      actions.append(remove);
    }
    return tr;
  }

  function render(result: PaginatedAuthors): void {
    const { meta } = result;
    rows.replaceChildren(
      ...(result.items.length
        ? result.items.map(row)
        : [h('tr', {}, h('td', { colspan: '3', class: 'empty' }, search ? `No author matches “${search}”.` : 'No authors yet.'))]),
    );
    pageInfo.textContent = `Page ${meta.page} of ${Math.max(meta.pages, 1)} (${meta.total} ${meta.total === 1 ? 'author' : 'authors'})`;
    previous.disabled = meta.page <= 1;
    next.disabled = meta.page >= meta.pages;
  }

  async function load(): Promise<void> {
    const filters = search ? { name: search } : undefined;
    loaded = await client.authors.paginated.query({ page, per_page: PER_PAGE, ...(filters ? { filters } : {}) });
    // Past the end after deletes or a narrower search: show the last page that exists.
    if (loaded.meta.pages && page > loaded.meta.pages) {
      page = loaded.meta.pages;
      return load();
    }
    render(loaded);
  }

  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  searchInput.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      search = searchInput.value.trim();
      page = 1;
      void attempt(load, false);
    }, SEARCH_DELAY_MS);
  });
  previous.addEventListener('click', () => {
    page -= 1;
    void attempt(load, false);
  });
  next.addEventListener('click', () => {
    page += 1;
    void attempt(load, false);
  });

  let createForm: HTMLFormElement | undefined;
  if (can('create-author')) {
    const name = h('input', { name: 'name', placeholder: 'New author name', required: true, maxlength: '255', 'aria-label': 'New author name', 'data-testid': 'new-name' });
    createForm = h('form', { class: 'create', 'data-testid': 'create-form' }, name, h('button', { type: 'submit' }, 'Add author'));
    createForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void attempt(() => client.authors.create.mutate({ name: name.value })).then((created) => {
        if (created) name.value = '';
      });
    });
  }

  const element = h(
    'section',
    { class: 'authors' },
    h('div', { class: 'toolbar' }, searchInput, createForm),
    error,
    h('table', { 'data-testid': 'authors-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'ID'), h('th', {}, 'Name'), h('th', {}, ''))), rows),
    h('div', { class: 'pager' }, previous, pageInfo, next),
  );
  void attempt(load, false);
  return { element, reload: () => void attempt(load, false) };
}
