/**
 * Decision page: the candidate's metrics beside the version serving production (the `comparison` the
 * approval gate recorded), its lineage and validation, and approve / reject with a required comment.
 * The buttons say why they are off (no approver role, the caller registered it, not awaiting approval);
 * the API is still the authority and its refusal is shown as a sentence.
 */
import { api, enc } from '../api.js';
import { h, replace } from '../dom.js';
import { dateTime, ms, num, until } from '../format.js';
import { session } from '../session.js';
import { commandForm, commandsTable, definitions, stageBadge, versionNav, versionTitle } from './common.js';

export function decisionBlocked(action, state, me) {
  if (!me.roles.includes('approver')) {
    return `deciding needs the approver role; you (${me.identity}) have ${me.roles.join(', ') || 'no roles'}`;
  }
  // Separation of duties: the registrant may withdraw (reject) their version, never approve it.
  if (action === 'approve' && me.identity === state.registeredBy) {
    return `you registered this version (${state.registeredBy}), so another approver must decide`;
  }
  if (state.stage !== 'awaiting-approval') return `the version is ${state.stage}, not awaiting approval`;
  if (action === 'approve' && state.approval?.approvals.some((a) => a.by === me.identity)) {
    return 'you have already approved it';
  }
  return undefined;
}

function comparisonTable(approval) {
  if (!approval) return h('p', { class: 'help' }, 'The approval gate has not opened yet.');
  const { candidate, production } = approval.comparison;
  const names = [...new Set([...Object.keys(candidate), ...Object.keys(production?.metrics ?? {})])].sort();
  const servingHeader = production ? `Serving (v${production.modelVersion})` : 'Serving';
  return h(
    'table',
    { class: 'comparison' },
    h(
      'caption',
      {},
      production
        ? `Candidate beside v${production.modelVersion}, which serves production now`
        : 'First deployment: no version serves production yet',
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Metric', 'Candidate', servingHeader, 'Difference'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      names.map((name) => {
        const c = candidate[name];
        const p = production?.metrics[name];
        const diff = c !== undefined && p !== undefined ? c - p : undefined;
        return h(
          'tr',
          {},
          h('th', { scope: 'row' }, name),
          h('td', {}, num(c)),
          h('td', {}, num(p)),
          h(
            'td',
            { class: diff === undefined ? '' : diff >= 0 ? 'up' : 'down' },
            diff === undefined ? '—' : `${diff >= 0 ? '+' : ''}${num(diff)}`,
          ),
        );
      }),
    ),
  );
}

function lineageSection(registration) {
  if (!registration) return h('p', { class: 'help' }, 'Lineage could not be read.');
  const lineage = registration.lineage ?? {};
  const hyper = Object.entries(lineage.hyperparameters ?? {});
  return [
    definitions([
      [
        'Dataset',
        `${lineage.datasetUri ?? '—'}${lineage.datasetVersion ? ` (version ${lineage.datasetVersion})` : ''}`,
      ],
      ['Code commit', lineage.codeCommit],
      ['Training job', lineage.trainingJobName],
      ['Artifact', registration.artifactUri],
      ['Image', registration.inferenceImage],
    ]),
    hyper.length
      ? h(
          'table',
          { class: 'compact' },
          h('caption', {}, 'Hyperparameters'),
          h(
            'tbody',
            {},
            hyper.map(([k, v]) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, k),
                h('td', {}, typeof v === 'object' ? JSON.stringify(v) : String(v)),
              ),
            ),
          ),
        )
      : h('p', { class: 'help' }, 'No hyperparameters recorded.'),
  ];
}

function validationSection(validation) {
  if (!validation)
    return h('p', { class: 'help' }, 'Not validated yet: staging validation runs after the approval.');
  return [
    h(
      'p',
      { class: validation.passed ? 'ok' : 'error' },
      validation.passed
        ? `Passed on ${validation.endpointName}: slowest answer ${ms(validation.maxLatencyMs)} within the ${ms(validation.budgetMs)} budget.`
        : `Failed on ${validation.endpointName}: ${validation.failures.join('; ')}`,
    ),
    h(
      'table',
      { class: 'compact' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Payload', 'Result', 'Latency', 'Attempts', 'Error'].map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        validation.results.map((r) =>
          h(
            'tr',
            {},
            h('td', {}, `#${r.index + 1}`),
            h('td', {}, r.ok ? 'ok' : r.transient ? 'transient 5xx' : 'failed'),
            h('td', {}, ms(r.latencyMs)),
            h('td', {}, r.attempts ?? 1),
            h('td', {}, r.error ?? ''),
          ),
        ),
      ),
    ),
  ];
}

function approvalFacts(state) {
  const approval = state.approval;
  return definitions([
    ['Stage', stageBadge(state.stage)],
    ['Registrant', state.registeredBy],
    ['Registered', dateTime(state.transitions[0]?.at)],
    approval && [
      'Policy',
      approval.mode === 'quorum'
        ? `quorum of ${approval.requiredApprovals} distinct approvers`
        : approval.mode,
    ],
    approval && ['Deadline', `${dateTime(approval.deadline)} (${until(approval.deadline)})`],
    approval && [
      'Approvals',
      approval.approvals.length
        ? approval.approvals.map((a) => `${a.by}${a.comment ? `: “${a.comment}”` : ''}`).join(' · ')
        : 'none yet',
    ],
    approval?.decision && [
      'Decision',
      `${approval.decision.status} by ${approval.decision.by} at ${dateTime(approval.decision.at)}: ${approval.decision.reason}`,
    ],
    state.outcome && ['Outcome', state.outcome],
  ]);
}

export async function renderDecision(main, id) {
  const status = h('p', { class: 'status', role: 'status' }, 'Loading…');
  replace(main, h('h1', { tabindex: '-1' }, id), status);
  const load = async () => {
    const [state, registration] = await Promise.all([
      api(`/model-versions/${enc(id)}`),
      api(`/model-versions/${enc(id)}/registration`).catch(() => undefined),
    ]);
    return { state, registration };
  };
  let data;
  try {
    data = await load();
  } catch (err) {
    status.textContent = err.message;
    status.classList.add('error');
    return;
  }
  const draw = ({ state, registration }, keepFeedback) => {
    const form = commandForm({
      id,
      label: 'Comment',
      placeholder: 'Why you approve or reject, with the numbers that decided it',
      reasonField: 'comment',
      actions: [
        { name: 'approve', text: 'Approve', class: 'primary', done: 'Approved' },
        { name: 'reject', text: 'Reject', class: 'danger', done: 'Rejected' },
      ],
      blocked: (action) => decisionBlocked(action, state, session.me),
      onDone: async () => {
        const fresh = await load().catch(() => undefined);
        if (fresh) draw(fresh, form.querySelector('.feedback'));
      },
    });
    if (keepFeedback) form.querySelector('.feedback').replaceWith(keepFeedback);
    replace(
      main,
      h('h1', { tabindex: '-1' }, `${versionTitle(state)}: decision`),
      versionNav(id, state, 'decision'),
      h(
        'div',
        { class: 'columns' },
        h(
          'section',
          { 'aria-labelledby': 'h-approval' },
          h('h2', { id: 'h-approval' }, 'Approval'),
          approvalFacts(state),
          form,
        ),
        h(
          'section',
          { 'aria-labelledby': 'h-metrics' },
          h('h2', { id: 'h-metrics' }, 'Metrics'),
          comparisonTable(state.approval),
        ),
      ),
      h(
        'div',
        { class: 'columns' },
        h(
          'section',
          { 'aria-labelledby': 'h-lineage' },
          h('h2', { id: 'h-lineage' }, 'Lineage'),
          lineageSection(registration),
        ),
        h(
          'section',
          { 'aria-labelledby': 'h-validation' },
          h('h2', { id: 'h-validation' }, 'Validation'),
          validationSection(state.validation),
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'h-commands' },
        h('h2', { id: 'h-commands' }, 'Commands'),
        commandsTable(state.commands),
      ),
    );
    // After a decision the page is redrawn: focus stays on the answer, not lost at the top.
    keepFeedback?.focus();
  };
  draw(data);
}
