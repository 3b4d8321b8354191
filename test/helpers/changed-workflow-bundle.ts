/**
 * A workflow bundle of the repository's workflow code with an edit applied, built from a copy in a
 * temporary directory, so a test can ship "the next build" without touching the repository's files.
 * The copy sits beside symlinks to src/ and node_modules/, so its relative and package imports resolve
 * as they do in the repository. Each edit must match exactly once: a test whose edit no longer applies
 * fails here instead of silently building an unchanged bundle.
 */
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const ROOT = join(__dirname, '../..');

export interface WorkflowEdit {
  /** Path under workflows/, e.g. 'model-version-lifecycle.ts'. */
  file: string;
  find: string;
  replace: string;
}

export interface ChangedBundle {
  code: string;
  /** The bundle written to disk, for WORKFLOW_BUNDLE_PATH or `workflowBundle.codePath`. */
  path: string;
  remove(): Promise<void>;
}

const quiet = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };

export async function buildChangedBundle(edits: WorkflowEdit[]): Promise<ChangedBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'mvl-changed-workflows-'));
  try {
    await cp(join(ROOT, 'workflows'), join(dir, 'workflows'), { recursive: true });
    await symlink(join(ROOT, 'src'), join(dir, 'src'), 'dir');
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    for (const edit of edits) {
      const file = join(dir, 'workflows', edit.file);
      const text = await readFile(file, 'utf8');
      const matches = text.split(edit.find).length - 1;
      if (matches !== 1) {
        throw new Error(
          `edit of workflows/${edit.file}: ${JSON.stringify(edit.find)} matches ${matches} times, not once`,
        );
      }
      await writeFile(file, text.replace(edit.find, edit.replace));
    }
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(dir, 'workflows/index.ts'),
      workflowInterceptorModules: [join(dir, 'workflows/tracing-interceptors.ts')],
      logger: quiet,
    });
    const path = join(dir, 'workflow-bundle.js');
    await writeFile(path, code);
    return { code, path, remove: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The change the upgrade drill and the replay-failure test ship as build B: a new timer right after
 * the lifecycle pins itself at the approval decision. Every run past the approval has different
 * commands there, so a run that started on the old code and moved to B would fail with a
 * nondeterminism error; a run that reaches the approval on B shows the timer in its history.
 */
export const B_TIMER_MS = 1234;
export const EXTRA_TIMER_AFTER_PIN: WorkflowEdit[] = [
  {
    file: 'model-version-lifecycle.ts',
    find: "  workflowInfo,\n} from '@temporalio/workflow';",
    replace: "  workflowInfo,\n  sleep,\n} from '@temporalio/workflow';",
  },
  {
    file: 'model-version-lifecycle.ts',
    find: '    const staged = (names = resourceNames({',
    replace: `    await sleep(${B_TIMER_MS});\n    const staged = (names = resourceNames({`,
  },
];
