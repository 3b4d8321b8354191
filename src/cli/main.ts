/**
 * `mvl`: the lifecycle API for people at a terminal.
 *
 *   mvl status <id>                       mvl approve <id> --comment "…"
 *   mvl list [--awaiting-approval] [--group g] [--stage s] [--page-token t]
 *   mvl reject <id> --comment "…"         mvl rollback <id> --reason "…"
 *   mvl pause|resume|promote <id> [--reason "…"]
 *   mvl retry-rollback <id> [--reason "…"]   mvl release <id> --reason "…"   (needs-attention)
 *   mvl endpoint <name>                   mvl history <endpoint>
 *   mvl revert <endpoint> [--to <version>] [--canary] --reason "…"
 *
 * MVL_API_URL (default http://127.0.0.1:3000), MVL_TOKEN (default: a local-stack token for the role).
 */
import { parseArgs } from 'node:util';
import type { ServingLineage } from '../shared/activity-contracts';
import type { LifecycleState } from '../shared/lifecycle-state';
import { CliError, createApiClient } from './api-client';
import {
  formatEndpoint,
  formatHistory,
  formatList,
  formatStatus,
  type EndpointHistory,
  type SummaryList,
} from './format';

const USAGE = `usage: mvl <command> [options]
  status <id>                                   stage, approvals, canary, health, history
  list [--awaiting-approval] [--group g] [--stage s] [--page-size n] [--page-token t]
  approve <id> --comment "…"                    (approver)
  reject <id> --comment "…"                     (approver)
  rollback <id> --reason "…"                    (operator)
  pause | resume | promote <id> [--reason "…"]  (operator)
  retry-rollback <id> [--reason "…"]            (operator, needs-attention only)
  release <id> --reason "what was fixed"        (operator, needs-attention only)
  endpoint <name>                               which versions serve it, with lineage
  history <endpoint>                            lifecycles and reverts on the endpoint, newest first
  revert <endpoint> [--to <version>] [--canary] --reason "…"
                                                back to the previous (or the named) approved version (operator)
  --json prints the API's answer as JSON.
env: MVL_API_URL (default http://127.0.0.1:3000), MVL_TOKEN
exit codes: 0 ok, 1 error, 2 usage, 3 not authenticated/allowed, 4 not found, 5 refused by the lifecycle`;

const COMMAND_ROLE: Record<string, string> = {
  approve: 'approver',
  reject: 'approver',
  rollback: 'operator',
  pause: 'operator',
  resume: 'operator',
  promote: 'operator',
  'retry-rollback': 'operator',
  release: 'operator',
};

/** Commands that record why, and the option that says it. */
const NEEDS_TEXT: Record<string, string> = {
  approve: '--comment',
  reject: '--comment',
  rollback: '--reason',
  release: '--reason',
};

function requireArg(value: string | undefined, what: string): string {
  if (!value) throw new CliError(`missing ${what}\n\n${USAGE}`, 2);
  return value;
}

export async function run(argv: string[], print: (line: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      comment: { type: 'string' },
      reason: { type: 'string' },
      to: { type: 'string' },
      canary: { type: 'boolean' },
      group: { type: 'string' },
      stage: { type: 'string' },
      'awaiting-approval': { type: 'boolean' },
      'page-size': { type: 'string' },
      'page-token': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, target] = positionals;
  if (values.help || !command) return print(USAGE);
  const show = <T>(answer: T, human: (a: T) => string) =>
    print(values.json ? JSON.stringify(answer, null, 2) : human(answer));

  if (command === 'status') {
    const api = await createApiClient('viewer');
    const id = requireArg(target, '<id>');
    return show(
      await api.request<LifecycleState>('GET', `/model-versions/${encodeURIComponent(id)}`),
      formatStatus,
    );
  }
  if (command === 'list') {
    const api = await createApiClient('viewer');
    const query = new URLSearchParams();
    const stage = values['awaiting-approval'] ? 'awaiting-approval' : values.stage;
    if (stage) query.set('stage', stage);
    if (values.group) query.set('group', values.group);
    if (values['page-size']) query.set('pageSize', values['page-size']);
    if (values['page-token']) query.set('pageToken', values['page-token']);
    return show(await api.request<SummaryList>('GET', `/model-versions?${query.toString()}`), formatList);
  }
  if (command === 'endpoint') {
    const api = await createApiClient('viewer');
    const name = requireArg(target, '<name>');
    return show(
      await api.request<ServingLineage>('GET', `/endpoints/${encodeURIComponent(name)}`),
      formatEndpoint,
    );
  }
  if (command === 'history') {
    const api = await createApiClient('viewer');
    const name = requireArg(target, '<endpoint>');
    return show(
      await api.request<EndpointHistory>('GET', `/endpoints/${encodeURIComponent(name)}/history`),
      formatHistory,
    );
  }
  if (command === 'revert') {
    const name = requireArg(target, '<endpoint>');
    if (!values.reason) throw new CliError('revert needs --reason "why"', 2);
    let toVersion: number | undefined;
    if (values.to !== undefined) {
      toVersion = Number(values.to.replace(/^v/, ''));
      if (!Number.isInteger(toVersion) || toVersion < 1)
        throw new CliError(`--to must be a version number such as 3 or v3, not "${values.to}"`, 2);
    }
    const api = await createApiClient('operator');
    const answer = await api.request<{
      id: string;
      from: { modelVersion: number };
      to: { modelVersion: number };
    }>('POST', `/endpoints/${encodeURIComponent(name)}/revert`, {
      reason: values.reason,
      ...(toVersion ? { toVersion } : {}),
      ...(values.canary ? { canary: true } : {}),
    });
    return show(
      answer,
      (a) =>
        `revert ${a.id}: ${name} v${a.from.modelVersion} → v${a.to.modelVersion} started (mvl history ${name})`,
    );
  }
  const role = COMMAND_ROLE[command];
  if (role) {
    const id = requireArg(target, '<id>');
    const text = values.comment ?? values.reason;
    const option = NEEDS_TEXT[command];
    if (option && !text) throw new CliError(`${command} needs ${option} "why"`, 2);
    const api = await createApiClient(role);
    const answer = await api.request<{ stage: string }>(
      'POST',
      `/model-versions/${encodeURIComponent(id)}/${command}`,
      text ? { reason: text } : {},
    );
    return show(answer, (a) => `${command}: accepted (stage now ${a.stage})`);
  }
  throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2);
}

if (require.main === module) {
  run(process.argv.slice(2), (line) => console.log(line)).catch((err: Error) => {
    console.error(`mvl: ${err.message}`);
    process.exit(err instanceof CliError ? err.exitCode : 2);
  });
}
