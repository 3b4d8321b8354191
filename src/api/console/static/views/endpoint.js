/**
 * Endpoint page: which version serves, since when, approved by whom on what evidence (the registry's
 * record, GET /endpoints/:name), and every lifecycle that targeted the endpoint (GET …/history).
 */
import { api, enc } from '../api.js';
import { h, replace } from '../dom.js';
import { dateTime, num, stageLabel, until } from '../format.js';
import { session } from '../session.js';
import { commandForm, definitions } from './common.js';

/** SageMaker weights are relative (1 and 1 is half each): shown as a share of the endpoint's traffic. */
const share = (v, variants) => {
  const total = variants.reduce((sum, x) => sum + (x.weight ?? 0), 0);
  return total > 0 ? Math.round((v.weight / total) * 1000) / 10 : 0;
};

function variantCard(v, variants) {
  const lineage = v.lineage ?? {};
  const metrics = Object.entries(v.metrics ?? {});
  return h(
    'article',
    { class: 'card variant' },
    h(
      'h3',
      {},
      `${v.variantName}: ${v.modelVersion !== undefined ? `version ${v.modelVersion}` : v.modelName} at ${share(v, variants)} % of traffic`,
    ),
    definitions([
      ['Serving since', v.servingSince ? `${dateTime(v.servingSince)} (${until(v.servingSince)})` : '—'],
      ['Approval', v.approvalStatus],
      ['Approved by', v.approvedBy],
      ['Evidence', v.approvalDescription],
      ['Registered by', v.registeredBy],
      [
        'Dataset',
        lineage.datasetUri
          ? `${lineage.datasetUri}${lineage.datasetVersion ? ` (version ${lineage.datasetVersion})` : ''}`
          : undefined,
      ],
      ['Code commit', lineage.codeCommit],
      ['Training job', lineage.trainingJobName],
      ['Metrics', metrics.length ? metrics.map(([k, x]) => `${k} ${num(x)}`).join(' · ') : undefined],
      ['Model', v.modelName],
      ['Package', v.modelPackageArn],
    ]),
  );
}

function historyTable(items) {
  if (!items.length) return h('p', { class: 'help' }, 'No lifecycle or revert has targeted this endpoint.');
  return h(
    'table',
    { class: 'compact history' },
    h('caption', { class: 'visually-hidden' }, 'Lifecycles and reverts on this endpoint, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Version', 'Group', 'Stage', 'Started', 'Ended'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      items.map((item) =>
        h(
          'tr',
          { class: item.kind === 'revert' ? 'revert' : '' },
          h(
            'td',
            {},
            item.kind === 'revert'
              ? `revert v${item.fromVersion ?? '?'} → v${item.toVersion ?? '?'} (${item.cause ?? '?'} by ${item.by ?? '?'}: ${item.reason ?? ''})`
              : h(
                  'a',
                  { href: `#/versions/${enc(item.id)}/rollout` },
                  item.modelVersion !== undefined ? `v${item.modelVersion}` : item.id,
                ),
          ),
          h('td', {}, item.modelPackageGroup ?? '—'),
          h('td', {}, stageLabel(item.stage)),
          h('td', {}, dateTime(item.startTime)),
          h('td', {}, item.closeTime ? dateTime(item.closeTime) : 'running'),
        ),
      ),
    ),
  );
}

/** Why the caller cannot revert this endpoint now, or undefined; the API judges the request again. */
export function revertBlocked(serving, me) {
  if (!me.roles.includes('operator')) {
    return `a revert needs the operator role; you (${me.identity}) have ${me.roles.join(', ') || 'no roles'}`;
  }
  if (!serving) return 'the endpoint could not be read';
  if (serving.variants.length !== 1) return 'the endpoint is not on one version (a deployment is under way)';
  return undefined;
}

const REVERT_RUNNING = ['waiting-for-endpoint', 'reverting', 'needs-attention'];

/** Polls the revert (GET /endpoints/:name/reverts/:id) until it has ended. */
async function revertFinished(link) {
  for (;;) {
    const revert = await api(link);
    if (!REVERT_RUNNING.includes(revert.stage)) return revert;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** POST /endpoints/:name/revert: back to the version that served before, in one step. */
function revertForm(name, serving, onDone) {
  return commandForm({
    id: name,
    label: 'Reason',
    placeholder: 'Why go back: what you saw, where',
    reasonField: 'reason',
    path: () => `/endpoints/${enc(name)}/revert`,
    actions: [
      {
        name: 'revert',
        text: 'Revert to the previous version',
        class: 'danger',
        done: 'Revert started: the endpoint goes back to the version that served before',
      },
    ],
    blocked: () => revertBlocked(serving, session.me),
    onDone,
  });
}

export async function renderEndpoint(main, name) {
  const status = h('p', { class: 'status', role: 'status' }, 'Loading…');
  replace(main, h('h1', { tabindex: '-1' }, `Endpoint ${name}`), status);
  const [serving, history] = await Promise.allSettled([
    api(`/endpoints/${enc(name)}`),
    api(`/endpoints/${enc(name)}/history?pageSize=50`),
  ]);
  replace(
    main,
    h('h1', { tabindex: '-1' }, `Endpoint ${name}`),
    h(
      'section',
      { 'aria-labelledby': 'h-serving' },
      h('h2', { id: 'h-serving' }, 'Serving now'),
      serving.status === 'fulfilled'
        ? [
            h('p', {}, `${serving.value.status} on config ${serving.value.endpointConfigName}`),
            serving.value.variants.map((v) => variantCard(v, serving.value.variants)),
          ]
        : h('p', { class: 'error' }, serving.reason.message),
    ),
    h(
      'section',
      { 'aria-labelledby': 'h-revert' },
      h('h2', { id: 'h-revert' }, 'Revert'),
      revertForm(name, serving.status === 'fulfilled' ? serving.value : undefined, async (_, answer) => {
        await revertFinished(answer.links.self);
        await renderEndpoint(main, name);
      }),
    ),
    h(
      'section',
      { 'aria-labelledby': 'h-history' },
      h('h2', { id: 'h-history' }, 'History of versions'),
      history.status === 'fulfilled'
        ? historyTable(history.value.items)
        : h('p', { class: 'error' }, history.reason.message),
    ),
  );
}
