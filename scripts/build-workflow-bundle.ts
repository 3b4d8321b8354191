/**
 * `npm run build:bundle`: the workflow bundle built ahead, as production workers run it. Bundling at
 * start (what development does) costs seconds and memory on every worker start, and ties the code a
 * worker runs to whatever is on its disk; an image that ships this file runs exactly what was built.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { bundleWorkflows, DEFAULT_WORKFLOW_BUNDLE_PATH } from '../src/worker/workflow-bundle';

async function main(): Promise<void> {
  const out = process.argv[2] ?? DEFAULT_WORKFLOW_BUNDLE_PATH;
  const code = await bundleWorkflows();
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, code);
  console.log(`workflow bundle: ${join(out)} (${Math.round(code.length / 1024)} KiB)`);
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
