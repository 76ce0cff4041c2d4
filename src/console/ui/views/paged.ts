import { getPage, type Page } from '../api.ts';
import { h, replace } from '../dom.ts';

/** Items per page of the console's lists. */
export const PAGE_SIZE = 50;

/**
 * A server-side paged list with filters: the filters are a form (its fields labelled), the pages are keyset pages
 * of the REST list followed by token, and the tokens of the pages before are kept so "Previous" goes back.
 */
export function pagedList<T>(options: {
  path: string;
  filters: HTMLElement[];
  query: () => Record<string, string | undefined>;
  render: (items: T[]) => Promise<HTMLElement> | HTMLElement;
  /** Told which filter values are in force, so the address can keep them. */
  onFilter?: () => void;
}): { element: HTMLElement; load(): Promise<void>; refresh(): Promise<void> } {
  const tokens: Array<string | undefined> = [undefined];
  let page: Page<T> | undefined;
  const body = h('div', { class: 'list-body' });
  const position = h('span', { class: 'page-position', 'aria-live': 'polite' });
  const previous = h('button', { type: 'button', onclick: () => void go(-1) }, 'Previous page');
  const next = h('button', { type: 'button', onclick: () => void go(1) }, 'Next page');
  const fetchPage = async () => {
    page = await getPage<T>(options.path, { ...options.query(), maxpagesize: String(PAGE_SIZE), pageToken: tokens.at(-1) });
    replace(body, page.value.length === 0 ? h('p', {}, 'Nothing matches.') : await options.render(page.value));
    previous.disabled = tokens.length === 1;
    next.disabled = page.nextPageToken === undefined;
    position.textContent = `Page ${tokens.length}`;
  };
  const go = async (step: -1 | 1) => {
    if (step === 1 && page?.nextPageToken !== undefined) tokens.push(page.nextPageToken);
    else if (step === -1 && tokens.length > 1) tokens.pop();
    await fetchPage();
  };
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (event: Event) => {
        event.preventDefault();
        tokens.splice(1);
        options.onFilter?.();
        void fetchPage();
      },
    },
    ...options.filters,
    h('button', { type: 'submit' }, 'Apply filters'),
  );
  const element = h('div', {}, form, body, h('nav', { class: 'pager', 'aria-label': 'Pages' }, previous, position, next));
  return { element, load: fetchPage, refresh: fetchPage };
}

/** A labelled `<select>`. */
export function selectField(label: string, name: string, values: readonly string[], selected: string | undefined): HTMLElement {
  const id = `filter-${name}`;
  return h(
    'span',
    { class: 'field' },
    h('label', { for: id }, label),
    h('select', { id, name }, ...values.map((value) => h('option', { value, selected: value === (selected ?? '') }, value === '' ? 'any' : value))),
  );
}

/** A labelled text `<input>`. */
export function textField(label: string, name: string, value: string | undefined): HTMLElement {
  const id = `filter-${name}`;
  return h('span', { class: 'field' }, h('label', { for: id }, label), h('input', { id, name, type: 'text', value: value ?? '', autocomplete: 'off' }));
}

/** The value of a filter field by name, `undefined` when empty. */
export function fieldValue(root: HTMLElement, name: string): string | undefined {
  const field = root.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`);
  return field?.value ? field.value : undefined;
}
