/**
 * `npm run setup:chromium` (part of `npm run test:integration`): makes sure the console's browser
 * tests have a Chromium. Found → prints its path. Missing, on a Debian-like machine as root → installs
 * the distribution's `chromium` package with apt-get. Otherwise it says how to install it and exits
 * 0: the browser tests then skip with that reason, and the rest of the suite still runs.
 * `SKIP_CHROMIUM_SETUP=1` skips the install attempt.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findChromium } from './chromium';

const HOW = 'install it with `apt-get install chromium` (Debian) or set CHROMIUM_PATH to a Chromium binary';

function run(command: string, args: string[]): boolean {
  console.log(`setup:chromium: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

function main(): void {
  const found = findChromium();
  if (found) {
    console.log(`setup:chromium: ${found}`);
    return;
  }
  const skip = (why: string) =>
    console.warn(
      `setup:chromium: no Chromium (${why}); the browser tests will be skipped. To run them, ${HOW}.`,
    );
  if (process.env.CHROMIUM_PATH) return skip(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not executable`);
  if (process.env.SKIP_CHROMIUM_SETUP === '1') return skip('SKIP_CHROMIUM_SETUP=1');
  if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get'))
    return skip('no apt-get on this machine');
  if (process.getuid?.() !== 0) return skip('installing needs root');
  const installed =
    run('apt-get', ['update', '-q']) &&
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium']);
  const after = findChromium();
  if (installed && after) console.log(`setup:chromium: installed ${after}`);
  else skip('apt-get could not install the chromium package');
}

main();
