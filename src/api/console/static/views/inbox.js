/**
 * Inbox: versions awaiting approval, oldest first (the list route answers newest first), with the
 * registrant and deadline from each version's state. Filters by group and stage live in the URL, so a
 * filtered inbox can be bookmarked.
 */
import { api, enc } from '../api.js';
import { announce, h, replace } from '../dom.js';
import { age, stageLabel, STAGE_LABELS, until } from '../format.js';

const MAX_PAGES = 5;
const ROLLOUT_STAGES = [
  'deploying-canary',
  'canary',
  'promoting',
  'rolling-back',
  'needs-attention',
  'promoted',
  'rolled-back',
];

function filtersFromHash() {
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '');
  return { group: query.get('group') ?? '', stage: query.get('stage') ?? 'awaiting-approval' };
}

async function listAll(filters) {
  const items = [];
  let pageToken;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ pageSize: '100' });
    if (filters.group) query.set('group', filters.group);
    if (filters.stage) query.set('stage', filters.stage);
    if (pageToken) query.set('pageToken', pageToken);
    const answer = await api(`/model-versions?${query}`);
    items.push(...answer.items);
    pageToken = answer.nextPageToken;
    if (!pageToken) break;
  }
  return items.sort((a, b) => Date.parse(a.startTime ?? 0) - Date.parse(b.startTime ?? 0));
}

/** Each version's state, a few at a time: registrant, deadline and approvals are not in visibility. */
async function withStates(items) {
  const states = new Map();
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      try {
        states.set(item.id, await api(`/model-versions/${enc(item.id)}`));
      } catch {
        states.set(item.id, undefined);
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return states;
}

function linkFor(item) {
  const base = `#/versions/${enc(item.id)}`;
  return ROLLOUT_STAGES.includes(item.stage) ? `${base}/rollout` : base;
}

export async function renderInbox(main) {
  const filters = filtersFromHash();
  const status = h('p', { class: 'status', role: 'status' }, 'Loading…');
  const groupInput = h('input', {
    id: 'filter-group',
    name: 'group',
    value: filters.group,
    placeholder: 'any group',
    autocomplete: 'off',
  });
  const stageSelect = h(
    'select',
    { id: 'filter-stage', name: 'stage' },
    h('option', { value: '' }, 'any stage'),
    Object.keys(STAGE_LABELS).map((stage) =>
      h('option', { value: stage, selected: stage === filters.stage }, stageLabel(stage)),
    ),
  );
  const form = h(
    'form',
    {
      class: 'filters',
      'aria-label': 'Filter versions',
      onsubmit: (event) => {
        event.preventDefault();
        const query = new URLSearchParams();
        if (groupInput.value.trim()) query.set('group', groupInput.value.trim());
        query.set('stage', stageSelect.value);
        location.hash = `#/?${query}`;
      },
    },
    h('label', { for: 'filter-group' }, 'Group'),
    groupInput,
    h('label', { for: 'filter-stage' }, 'Stage'),
    stageSelect,
    h('button', { type: 'submit' }, 'Apply'),
  );
  const tableHolder = h('div', { class: 'table-holder' });
  const title =
    filters.stage === 'awaiting-approval'
      ? 'Awaiting approval'
      : `Versions: ${filters.stage ? stageLabel(filters.stage) : 'any stage'}`;
  replace(main, h('h1', { tabindex: '-1' }, title), form, status, tableHolder);

  try {
    const items = await listAll(filters);
    const states = await withStates(items);
    if (items.length === 0) {
      status.textContent =
        filters.stage === 'awaiting-approval'
          ? 'Nothing is waiting for approval.'
          : 'No versions match these filters.';
      announce(status.textContent);
      return;
    }
    status.textContent = `${items.length} version${items.length === 1 ? '' : 's'}, oldest first.`;
    const now = Date.now();
    const rows = items.map((item) => {
      const state = states.get(item.id);
      const version = item.modelVersion ?? state?.modelVersion;
      return h(
        'tr',
        { dataset: { id: item.id } },
        h('td', {}, item.modelPackageGroup ?? state?.modelPackageGroup ?? '—'),
        h('td', {}, h('a', { href: linkFor(item) }, version !== undefined ? `v${version}` : item.id)),
        h('td', {}, stageLabel(item.stage)),
        h('td', {}, state?.registeredBy ?? '—'),
        h('td', { title: item.startTime ?? '' }, age(item.startTime, now)),
        h(
          'td',
          { title: state?.approval?.deadline ?? '' },
          item.stage === 'awaiting-approval' ? until(state?.approval?.deadline, now) : '—',
        ),
        h(
          'td',
          {},
          item.endpointName
            ? h('a', { href: `#/endpoints/${enc(item.endpointName)}` }, item.endpointName)
            : '—',
        ),
      );
    });
    replace(
      tableHolder,
      h(
        'table',
        { class: 'inbox' },
        h('caption', { class: 'visually-hidden' }, `${title}, oldest first`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Group', 'Version', 'Stage', 'Registrant', 'Age', 'Deadline', 'Endpoint'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h('tbody', {}, rows),
      ),
    );
    announce(status.textContent);
  } catch (err) {
    status.textContent = err.message;
    status.classList.add('error');
  }
}
