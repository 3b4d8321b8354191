/**
 * Endpoint page: which version serves, since when, approved by whom on what evidence (the registry's
 * record, GET /endpoints/:name), and every lifecycle that targeted the endpoint (GET …/history).
 */
import { api, enc } from '../api.js';
import { h, replace } from '../dom.js';
import { dateTime, num, stageLabel, until } from '../format.js';
import { definitions } from './common.js';

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
  if (!items.length) return h('p', { class: 'help' }, 'No lifecycle has targeted this endpoint.');
  return h(
    'table',
    { class: 'compact history' },
    h('caption', { class: 'visually-hidden' }, 'Lifecycles that targeted this endpoint, newest first'),
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
          {},
          h(
            'td',
            {},
            h(
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
      { 'aria-labelledby': 'h-history' },
      h('h2', { id: 'h-history' }, 'History of versions'),
      history.status === 'fulfilled'
        ? historyTable(history.value.items)
        : h('p', { class: 'error' }, history.reason.message),
    ),
  );
}
