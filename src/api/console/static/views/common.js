/** Pieces several pages share: the version header, a definition list, a command form. */
import { api, enc } from '../api.js';
import { announce, h } from '../dom.js';
import { dateTime, stageLabel } from '../format.js';

export function versionTitle(state) {
  const version = state.modelVersion !== undefined ? `v${state.modelVersion}` : state.idempotencyKey;
  return `${state.modelPackageGroup} ${version}`;
}

export function stageBadge(stage) {
  return h('span', { class: `badge stage-${stage}` }, stageLabel(stage));
}

export function definitions(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(Boolean).map(([term, value]) => [h('dt', {}, term), h('dd', {}, value ?? '—')]),
  );
}

export function versionNav(id, state, current) {
  const links = [
    ['decision', `#/versions/${enc(id)}`, 'Decision'],
    ['rollout', `#/versions/${enc(id)}/rollout`, 'Rollout'],
    [
      'endpoint',
      `#/endpoints/${enc(state.productionEndpointName)}`,
      `Endpoint ${state.productionEndpointName}`,
    ],
  ];
  return h(
    'nav',
    { class: 'subnav', 'aria-label': 'This version' },
    links.map(([key, href, text]) =>
      h('a', { href, 'aria-current': key === current ? 'page' : undefined }, text),
    ),
  );
}

export function commandsTable(commands) {
  if (!commands?.length) return h('p', { class: 'help' }, 'No commands yet.');
  return h(
    'table',
    { class: 'compact' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['When', 'Command', 'By', 'Reason', 'Result'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      commands.map((c) =>
        h(
          'tr',
          {},
          h('td', {}, dateTime(c.at)),
          h('td', {}, c.action),
          h('td', {}, c.by),
          h('td', {}, c.reason ?? ''),
          h('td', {}, c.accepted ? 'accepted' : `refused: ${c.refusal ?? ''}`),
        ),
      ),
    ),
  );
}

/**
 * A reason (required) and one button per action. `blocked(action)` returns why an action is off for
 * this caller now, or undefined; `form.refresh()` asks again (after a poll) without touching what the
 * user typed. The API still judges every command that is sent.
 */
export function commandForm({
  id,
  label,
  placeholder,
  actions,
  blocked,
  onDone,
  reasonField,
  path = (action) => `/model-versions/${enc(id)}/${action}`,
}) {
  const textareaId = `${reasonField}-text`;
  const feedback = h('p', {
    class: 'feedback',
    id: `${reasonField}-feedback`,
    role: 'alert',
    tabindex: '-1',
  });
  const reason = h('textarea', {
    id: textareaId,
    name: reasonField,
    rows: 2,
    'aria-required': 'true',
    placeholder,
    'aria-describedby': `${reasonField}-feedback`,
  });
  const reasonsList = h('ul', { class: 'blocked-reasons' });
  const buttons = actions.map((action) =>
    h(
      'button',
      { type: 'submit', name: 'action', value: action.name, class: action.class ?? '' },
      action.text,
    ),
  );
  const refresh = () => {
    reasonsList.replaceChildren();
    actions.forEach((action, i) => {
      const why = blocked(action.name);
      const reasonId = `${reasonField}-${action.name}-blocked`;
      buttons[i].disabled = Boolean(why);
      if (why) {
        buttons[i].setAttribute('aria-describedby', reasonId);
        reasonsList.append(
          h(
            'li',
            { id: reasonId, class: 'blocked', dataset: { action: action.name } },
            `${action.text}: ${why}.`,
          ),
        );
      } else buttons[i].removeAttribute('aria-describedby');
    });
    reasonsList.hidden = reasonsList.childElementCount === 0;
  };
  const form = h(
    'form',
    {
      class: 'command-form',
      onsubmit: async (event) => {
        event.preventDefault();
        const action = event.submitter?.value;
        if (!action) return;
        const text = reason.value.trim();
        feedback.className = 'feedback';
        if (!text) {
          feedback.textContent = `A ${label.toLowerCase()} is required: say why.`;
          feedback.classList.add('error');
          reason.focus();
          return;
        }
        for (const b of buttons) b.setAttribute('aria-busy', 'true');
        try {
          const answer = await api(path(action), {
            method: 'POST',
            body: { [reasonField]: text },
          });
          const done = `${actions.find((a) => a.name === action).done}.`;
          feedback.textContent = done;
          feedback.classList.add('ok');
          announce(done);
          reason.value = '';
          await onDone?.(action, answer);
        } catch (err) {
          feedback.textContent = err.message;
          feedback.classList.add('error');
        } finally {
          for (const b of buttons) b.removeAttribute('aria-busy');
        }
      },
    },
    h('label', { for: textareaId }, label),
    reason,
    h('div', { class: 'buttons' }, buttons),
    reasonsList,
    feedback,
  );
  form.refresh = refresh;
  refresh();
  return form;
}
