/**
 * The README's "Upgrading the service" commands, read from the README itself and run as an operator
 * would paste them (bash, with DEPLOYMENT, OLD and NEW set and the CLI reading TEMPORAL_ADDRESS), so the
 * documented steps are the tested ones. A step is a `# <n>. …` comment line followed by exactly one
 * command, in the section's ```sh blocks.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const README = join(__dirname, '../../../README.md');
const SECTION = '### Upgrading the service while lifecycles run';

export interface ReadmeStep {
  id: string;
  says: string;
  command: string;
}

export function readmeUpgradeSteps(): { steps: Map<string, ReadmeStep>; variables: string[] } {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(SECTION);
  if (start < 0) throw new Error(`README has no section "${SECTION}"`);
  const end = text.indexOf('\n### ', start + SECTION.length);
  const section = text.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const steps = new Map<string, ReadmeStep>();
  const variables: string[] = [];
  let current: ReadmeStep | undefined;
  for (const line of blocks.flatMap((b) => b.split('\n'))) {
    const step = /^# (\w+)\. (.*)$/.exec(line);
    if (step) {
      if (steps.has(step[1]!)) throw new Error(`README step ${step[1]} appears twice`);
      current = { id: step[1]!, says: step[2]!, command: '' };
      steps.set(current.id, current);
      continue;
    }
    const code = line.replace(/\s+#.*$/, '').trim();
    if (!code || code.startsWith('#')) continue;
    if (!current) {
      // Before the first step: the variables the steps use, e.g. `OLD=<build A> NEW=<build B>`.
      variables.push(...[...code.matchAll(/(\w+)=/g)].map((m) => m[1]!));
      continue;
    }
    if (current.command) throw new Error(`README step ${current.id} has more than one command`);
    current.command = code;
  }
  for (const s of steps.values()) if (!s.command) throw new Error(`README step ${s.id} has no command`);
  return { steps, variables };
}

export interface StepRunner {
  /** Runs README step `id` with these builds as OLD and NEW; resolves with what it printed. */
  run(id: string, builds: { old: string; new: string }): Promise<string>;
  /** Every step run so far, with how long it took, for the report. */
  log: { id: string; ms: number }[];
}

const exec = promisify(execFile);

export function stepRunner(options: {
  cliPath: string;
  address: string;
  namespace: string;
  deploymentName: string;
}): StepRunner {
  const { steps, variables } = readmeUpgradeSteps();
  for (const v of ['DEPLOYMENT', 'OLD', 'NEW']) {
    if (!variables.includes(v)) throw new Error(`README's upgrade steps no longer set ${v}`);
  }
  const log: StepRunner['log'] = [];
  return {
    log,
    async run(id, builds) {
      const step = steps.get(id);
      if (!step) throw new Error(`README has no upgrade step ${id}`);
      const started = Date.now();
      try {
        const { stdout, stderr } = await exec('bash', ['-c', step.command], {
          env: {
            ...process.env,
            PATH: `${dirname(options.cliPath)}:${process.env.PATH ?? ''}`,
            TEMPORAL_ADDRESS: options.address,
            TEMPORAL_NAMESPACE: options.namespace,
            DEPLOYMENT: options.deploymentName,
            OLD: builds.old,
            NEW: builds.new,
          },
          timeout: 30_000,
        });
        log.push({ id, ms: Date.now() - started });
        return stdout + stderr;
      } catch (err) {
        const e = err as Error & { stdout?: string; stderr?: string };
        throw new Error(
          `README step ${id} ("${step.says}") failed: ${step.command}\n${e.stdout ?? ''}${e.stderr ?? e.message}`,
        );
      }
    },
  };
}

/** `temporal workflow list`'s table: the workflow IDs it lists. */
export function listedWorkflowIds(output: string): string[] {
  return output
    .split('\n')
    .map(
      (l) =>
        /^\s*(Running|Completed|Failed|Terminated|Canceled|TimedOut|ContinuedAsNew)\s+(\S+)/.exec(l)?.[2],
    )
    .filter((id): id is string => !!id);
}

/** A `Key  value` line of the CLI's text output. */
export function field(output: string, key: string): string | undefined {
  return new RegExp(`^\\s*${key}\\s+(\\S+)`, 'm').exec(output)?.[1];
}
