/**
 * Which workflow code a worker runs. Production runs the bundle `npm run build:bundle` made (the
 * image ships it); development bundles workflows/ at start so an edit is picked up by a restart,
 * and never silently runs a stale dist/ file.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const WORKFLOWS_PATH = require.resolve('../../workflows/index.ts');
export const DEFAULT_WORKFLOW_BUNDLE_PATH = join(__dirname, '../../dist/workflow-bundle.js');

export type WorkflowSource = { workflowBundle: { codePath: string } } | { workflowsPath: string };

export function workflowSource(options: { bundlePath?: string; production: boolean }): WorkflowSource {
  const path = options.bundlePath ?? (options.production ? DEFAULT_WORKFLOW_BUNDLE_PATH : undefined);
  if (!path) return { workflowsPath: WORKFLOWS_PATH };
  if (!existsSync(path)) {
    throw new Error(
      `workflow bundle ${path} not found: build it with \`npm run build:bundle\`` +
        (options.bundlePath
          ? ' or fix WORKFLOW_BUNDLE_PATH'
          : ' (NODE_ENV=production runs only a prebuilt bundle)'),
    );
  }
  return { workflowBundle: { codePath: path } };
}
