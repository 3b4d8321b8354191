/**
 * Live rollout: the canary's steps and weights, each health verdict with its numbers (table and
 * charts, canary against stable), the bake's remaining time, and the operator's pause / resume /
 * promote / rollback with a reason. Polls the state until the lifecycle ends.
 */
import { api, enc } from '../api.js';
import { announce, h, replace } from '../dom.js';
import { dateTime, duration, ms, percent, stageLabel } from '../format.js';
import { lineChart } from '../chart.js';
import { session } from '../session.js';
import { commandForm, commandsTable, definitions, stageBadge, versionNav, versionTitle } from './common.js';

export const POLL_MS = 2000;
const STEERABLE = ['deploying-canary', 'canary'];
const FINAL = [
  'promoted',
  'rejected',
  'expired',
  'validation-failed',
  'rolled-back',
  'failed',
  'cancelled',
  'released',
  'refused-by-aws',
  'shadow-rejected',
  'reverted',
];

export function operatorBlocked(action, state, me) {
  if (!me.roles.includes('operator')) {
    return `steering a rollout needs the operator role; you (${me.identity}) have ${me.roles.join(', ') || 'no roles'}`;
  }
  if (FINAL.includes(state.stage)) return `the lifecycle has ended (${stageLabel(state.stage)})`;
  const paused = Boolean(state.canary?.paused);
  if (action === 'resume') return paused ? undefined : 'the rollout is not paused';
  if (!STEERABLE.includes(state.stage))
    return `there is no canary to ${action} while the version is ${stageLabel(state.stage)}`;
  if (action === 'pause' && paused) return 'the rollout is already paused';
  if (state.commands?.some((c) => c.action === 'rollback' && c.accepted))
    return 'a rollback is already under way';
  return undefined;
}

function stepStatus(state, index) {
  const c = state.canary;
  if (state.stage === 'promoted')
    return index <= c.stepIndex || c.steps[c.stepIndex] === 100 ? 'done' : 'skipped';
  if (index < c.stepIndex) return 'done';
  if (index === c.stepIndex)
    return ['canary', 'deploying-canary'].includes(state.stage)
      ? 'baking'
      : state.stage === 'promoting'
        ? 'done'
        : 'stopped';
  return FINAL.includes(state.stage) || state.stage === 'rolling-back' ? 'not reached' : 'pending';
}

function stepsList(state) {
  const c = state.canary;
  return h(
    'ol',
    { class: 'steps' },
    c.steps.map((weight, i) => {
      const verdict = [...state.verdicts].reverse().find((v) => v.canaryWeight === weight);
      const status = stepStatus(state, i);
      return h(
        'li',
        {
          class: `step step-${status.replace(' ', '-')}`,
          'aria-current': status === 'baking' ? 'step' : undefined,
        },
        h('span', { class: 'step-weight' }, `${weight} %`),
        h('span', { class: 'step-status' }, status),
        verdict ? h('span', { class: `verdict verdict-${verdict.status}` }, verdict.status) : null,
      );
    }),
  );
}

function weights(state) {
  const c = state.canary;
  if (state.stage === 'promoted') return `${c.canaryVariant} (this version) serves 100 %`;
  if (state.stage === 'rolled-back' || (state.stage === 'rolling-back' && state.rollback))
    return `back to ${c.stableVariant ?? 'stable'} 100 %${state.stage === 'rolling-back' ? ' (in progress)' : ''}`;
  if (c.firstDeployment)
    return `${c.canaryVariant} ${c.canaryWeight} % (first deployment, no stable variant)`;
  const inst = c.instances
    ? ` · instances: canary ${c.instances.canary}, stable ${c.instances.stable ?? '—'}`
    : '';
  return `canary ${c.canaryVariant} ${c.canaryWeight} % · stable ${c.stableVariant} ${100 - c.canaryWeight} %${inst}`;
}

export function bakeRemaining(state, bakeSeconds, now = Date.now()) {
  const c = state.canary;
  if (!c || state.stage !== 'canary' || !c.bakeStartedAt || !bakeSeconds) return undefined;
  const left = (Date.parse(c.bakeStartedAt) + bakeSeconds * 1000 - now) / 1000;
  const hold = c.paused ? ' (paused: holds after this bake)' : '';
  return left > 0
    ? `${duration(left)} left of ${duration(bakeSeconds)}${hold}`
    : `bake over, judging the last look${hold}`;
}

function charts(verdicts) {
  if (!verdicts.length)
    return h('p', { class: 'help' }, 'No verdicts yet: the first one comes at the end of the first bake.');
  const point = (v, variant, pick, fmt) => ({
    t: Date.parse(v.at),
    y: v[variant] ? pick(v[variant]) : null,
    label: v[variant] ? `${fmt(pick(v[variant]))} at ${v.canaryWeight} % (${v.status})` : 'no data',
  });
  const errorRate = (x) => x.errorRate;
  const latency = (x) => x.latencyMs;
  return h(
    'div',
    { class: 'charts' },
    h(
      'figure',
      {},
      lineChart({
        title: '5xx error rate, canary vs stable',
        format: (y) => percent(y, 1),
        minScale: 0.05,
        series: [
          {
            name: 'canary',
            className: 'canary',
            points: verdicts.map((v) => point(v, 'canary', errorRate, percent)),
          },
          {
            name: 'stable',
            className: 'stable',
            points: verdicts.filter(stableServed).map((v) => point(v, 'stable', errorRate, percent)),
          },
        ],
      }),
      h('figcaption', {}, '5xx error rate per verdict', legend()),
    ),
    h(
      'figure',
      {},
      lineChart({
        title: 'Latency, canary vs stable',
        format: (y) => `${Math.round(y)} ms`,
        minScale: 10,
        series: [
          {
            name: 'canary',
            className: 'canary',
            points: verdicts.map((v) => point(v, 'canary', latency, ms)),
          },
          {
            name: 'stable',
            className: 'stable',
            points: verdicts.filter(stableServed).map((v) => point(v, 'stable', latency, ms)),
          },
        ],
      }),
      h('figcaption', {}, 'Model latency per verdict', legend()),
    ),
  );
}

/** At 100 % the stable variant still exists but serves nothing: no point to plot. */
const stableServed = (v) => v.stable && v.stable.invocations > 0;

const legend = () =>
  h(
    'span',
    { class: 'legend' },
    h('span', { class: 'key canary' }, 'canary'),
    h('span', { class: 'key stable' }, 'stable'),
  );

function verdictTable(verdicts) {
  if (!verdicts.length) return null;
  const cell = (v, variant) =>
    v[variant]
      ? `${v[variant].invocations} calls · ${v[variant].errors5xx} 5xx (${percent(v[variant].errorRate)}) · ${ms(v[variant].latencyMs)}`
      : '—';
  return h(
    'table',
    { class: 'compact verdicts' },
    h('caption', {}, 'Health verdicts'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['When', 'Weight', 'Verdict', 'Canary', 'Stable', 'Looks', 'Reasons'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      verdicts.map((v) =>
        h(
          'tr',
          { class: `verdict-${v.status}` },
          h('td', {}, dateTime(v.at)),
          h('td', {}, `${v.canaryWeight} %`),
          h('td', {}, v.status),
          h('td', {}, cell(v, 'canary')),
          h('td', {}, cell(v, 'stable')),
          h('td', {}, v.checks),
          h('td', {}, v.reasons.join('; ')),
        ),
      ),
    ),
  );
}

export async function renderRollout(main, id) {
  const status = h('p', { class: 'status', role: 'status' }, 'Loading…');
  replace(main, h('h1', { tabindex: '-1' }, id), status);
  let state;
  let registration;
  try {
    [state, registration] = await Promise.all([
      api(`/model-versions/${enc(id)}`),
      api(`/model-versions/${enc(id)}/registration`).catch(() => undefined),
    ]);
  } catch (err) {
    status.textContent = err.message;
    status.classList.add('error');
    return;
  }
  const bakeSeconds = registration?.deployment?.bakeSeconds;
  const live = h('div', { class: 'live', id: 'rollout-live' });
  const bake = h('p', { class: 'bake', id: 'bake-remaining' });
  const pollNote = h('p', { class: 'help', id: 'poll-note' });
  const form = commandForm({
    id,
    label: 'Reason',
    placeholder: 'Why: what you saw, where',
    reasonField: 'reason',
    actions: [
      { name: 'pause', text: 'Pause', done: 'Pause sent: the rollout holds after the current bake' },
      { name: 'resume', text: 'Resume', done: 'Resumed' },
      {
        name: 'promote',
        text: 'Promote now',
        class: 'primary',
        done: 'Promotion sent: the remaining steps are skipped',
      },
      {
        name: 'rollback',
        text: 'Roll back',
        class: 'danger',
        done: 'Rollback sent: traffic goes back to stable',
      },
    ],
    blocked: (action) => operatorBlocked(action, state, session.me),
    onDone: () => poll(),
  });
  const title = h('h1', { tabindex: '-1' }, `${versionTitle(state)}: rollout`);
  replace(
    main,
    title,
    versionNav(id, state, 'rollout'),
    h(
      'div',
      { class: 'columns' },
      h(
        'section',
        { 'aria-labelledby': 'h-progress' },
        h('h2', { id: 'h-progress' }, 'Progress'),
        live,
        bake,
        pollNote,
      ),
      h('section', { 'aria-labelledby': 'h-steer' }, h('h2', { id: 'h-steer' }, 'Steer'), form),
    ),
    h(
      'section',
      { 'aria-labelledby': 'h-health' },
      h('h2', { id: 'h-health' }, 'Health'),
      h('div', { id: 'health' }),
    ),
    h(
      'section',
      { 'aria-labelledby': 'h-commands' },
      h('h2', { id: 'h-commands' }, 'Commands'),
      h('div', { id: 'commands' }),
    ),
  );

  let lastStage;
  const draw = () => {
    const facts = [
      ['Stage', stageBadge(state.stage)],
      [
        'Endpoint',
        h('a', { href: `#/endpoints/${enc(state.productionEndpointName)}` }, state.productionEndpointName),
      ],
    ];
    if (state.canary) {
      facts.push([
        'Step',
        state.canary.stepIndex >= 0
          ? `${state.canary.stepIndex + 1} of ${state.canary.steps.length}`
          : 'not started',
      ]);
      facts.push(['Weights', weights(state)]);
      if (state.canary.paused) facts.push(['Paused', 'yes: holds after the current bake until resumed']);
    } else if (!FINAL.includes(state.stage)) {
      facts.push(['Canary', `not started: the version is ${stageLabel(state.stage)}`]);
    }
    if (state.lock)
      facts.push([
        'Queue',
        state.lock.position
          ? `position ${state.lock.position} for ${state.productionEndpointName}`
          : 'waiting for the endpoint lock',
      ]);
    if (state.rollback)
      facts.push([
        'Rolled back',
        `${state.rollback.cause} by ${state.rollback.by}: ${state.rollback.reason}`,
      ]);
    if (state.attention) facts.push(['Needs attention', state.attention.problem]);
    if (state.outcome) facts.push(['Outcome', state.outcome]);
    replace(live, definitions(facts), state.canary ? stepsList(state) : null);
    replace(main.querySelector('#health'), charts(state.verdicts), verdictTable(state.verdicts));
    replace(main.querySelector('#commands'), commandsTable(state.commands));
    form.refresh();
    tick();
    if (lastStage && lastStage !== state.stage) announce(`Stage: ${stageLabel(state.stage)}`);
    lastStage = state.stage;
  };
  const tick = () => {
    bake.textContent = bakeRemaining(state, bakeSeconds) ?? '';
  };

  let timer;
  let stopped = false;
  const poll = async () => {
    clearTimeout(timer);
    try {
      state = await api(`/model-versions/${enc(id)}`);
      pollNote.textContent = FINAL.includes(state.stage)
        ? `Final state; updated ${dateTime(new Date().toISOString())}.`
        : `Updates every ${POLL_MS / 1000} s.`;
      draw();
    } catch (err) {
      pollNote.textContent = `Could not update: ${err.message}`;
    }
    if (!stopped && !FINAL.includes(state.stage)) timer = setTimeout(poll, POLL_MS);
  };
  draw();
  pollNote.textContent = FINAL.includes(state.stage) ? 'Final state.' : `Updates every ${POLL_MS / 1000} s.`;
  if (!FINAL.includes(state.stage)) timer = setTimeout(poll, POLL_MS);
  const clock = setInterval(tick, 1000);
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearInterval(clock);
  };
}
