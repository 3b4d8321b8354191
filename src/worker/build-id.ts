/**
 * The worker's build id: the package version plus a hash of the workflow bundle it runs. Replay
 * compatibility is a property of the workflow code, so two workers share a build id exactly when
 * they run the same workflow code — an edit that forgets to bump the version still gets a new build.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function workflowBuildId(version: string, bundleCode: string): string {
  const hash = createHash('sha256').update(bundleCode).digest('hex').slice(0, 12);
  return `${version}-${hash}`;
}
