/**
 * Which workflow code a worker runs. Production runs the bundle `npm run build:bundle` made (the
 * image ships it); development bundles workflows/ at start so an edit is picked up by a restart,
 * and never silently runs a stale dist/ file. Either way the worker holds the code itself, so its
 * build id can be derived from it (build-id.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../../workflows/index.ts');
/** Built into every bundle; they trace only runs started with a trace context (tracing-interceptors.ts). */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../../workflows/tracing-interceptors.ts')];
export const DEFAULT_WORKFLOW_BUNDLE_PATH = join(__dirname, '../../dist/workflow-bundle.js');

export interface WorkflowCode {
  code: string;
  /** Where it came from, for the start-up log line. */
  source: string;
}

const quiet = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };

/** workflows/ bundled as a worker runs it (the build script, development workers and the tests share this). */
export async function bundleWorkflows(): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: quiet,
  });
  return code;
}

export async function loadWorkflowCode(options: {
  bundlePath?: string;
  production: boolean;
}): Promise<WorkflowCode> {
  const path = options.bundlePath ?? (options.production ? DEFAULT_WORKFLOW_BUNDLE_PATH : undefined);
  if (!path) {
    return { code: await bundleWorkflows(), source: 'workflows/ bundled at start (development)' };
  }
  if (!existsSync(path)) {
    throw new Error(
      `workflow bundle ${path} not found: build it with \`npm run build:bundle\`` +
        (options.bundlePath
          ? ' or fix WORKFLOW_BUNDLE_PATH'
          : ' (NODE_ENV=production runs only a prebuilt bundle)'),
    );
  }
  return { code: readFileSync(path, 'utf8'), source: path };
}
