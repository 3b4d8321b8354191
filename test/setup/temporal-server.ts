/**
 * Global setup of the integration project: one Temporal dev server (the project's own CLI, see
 * dev/ensure-temporal-cli.ts), the time-skipping test server installed (each time-skipping file
 * starts its own, see test/helpers/time-skipping.ts) and one workflow bundle for the whole run. Test files reach them
 * through `inject('temporalAddress')` and `inject('workflowBundlePath')`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { ensureTemporalCli } from '../../dev/ensure-temporal-cli';
import { ensureTemporalTestServer } from '../../dev/ensure-temporal-test-server';
import { LIFECYCLE_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { bundleWorkflows } from '../../src/worker/workflow-bundle';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    workflowBundlePath: string;
    /** The time-skipping test server's launcher (dev/ensure-temporal-test-server.ts). */
    timeSkippingServerPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const executable = await ensureTemporalCli();
  // Installed here, once, so the time-skipping files running side by side never race to install it.
  project.provide('timeSkippingServerPath', await ensureTemporalTestServer());
  const started = Date.now();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: executable },
      ip: '127.0.0.1',
      searchAttributes: LIFECYCLE_SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
      // A worker build that stopped being current is checked for pinned runs every 3 min after a 3 min
      // grace by default; seconds here, so the upgrade drill sees an old build drain within its test.
      extraArgs: [
        '--dynamic-config-value',
        'matching.wv.VersionDrainageStatusVisibilityGracePeriod="5s"',
        '--dynamic-config-value',
        'matching.wv.VersionDrainageStatusRefreshInterval="2s"',
      ],
    },
  });
  const workDir = await mkdtemp(join(tmpdir(), 'mvl-test-'));
  try {
    const bundlePath = join(workDir, 'workflow-bundle.js');
    await writeFile(bundlePath, await bundleWorkflows());
    project.provide('workflowBundlePath', bundlePath);
  } catch (err) {
    await env.teardown();
    throw err;
  }
  project.provide('temporalAddress', env.address);
  project.provide('temporalNamespace', env.namespace ?? 'default');
  console.error(`[temporal] dev server ${env.address} ready in ${Date.now() - started} ms (${executable})`);

  return async () => {
    await env.teardown();
    await rm(workDir, { recursive: true, force: true });
  };
}
