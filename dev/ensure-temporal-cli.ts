/**
 * Installs the Temporal CLI (dev server + Web UI) that the run and test commands use.
 *
 * The CLI is not on the npm registry, so the project installs it itself. Routes, in order:
 *   1. `temporal` on PATH (or TEMPORAL_CLI_PATH) of a compatible version;
 *   2. the official release archive for this platform;
 *   3. `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` when Go is present.
 * The result is cached outside the clone, keyed by version, so every clone on the machine reuses it.
 * Running it when the CLI is already cached is a no-op that prints the path.
 */
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The pinned version: the newest release whose Go module installs with `go install`. */
export const TEMPORAL_CLI_VERSION = '1.5.1';
/**
 * Oldest embedded server we accept from a `temporal` on PATH (CLI 1.1 and later carry it). Judged by the
 * server version because a CLI built with `go install` reports itself as 0.0.0-DEV.
 */
const MIN_COMPATIBLE = [1, 25, 0] as const;
const DOWNLOAD_TIMEOUT_MS = 60_000;

type Log = (line: string) => void;

export function temporalCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.TEMPORAL_CLI_CACHE_DIR ??
    join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'model-version-lifecycle');
  return join(base, 'temporal-cli', TEMPORAL_CLI_VERSION);
}

function cachedBinaryPath(env: NodeJS.ProcessEnv): string {
  return join(temporalCacheDir(env), process.platform === 'win32' ? 'temporal.exe' : 'temporal');
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    return s.isFile() && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Reads the embedded server version from "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)": [1, 29, 1]. */
export function parseCliVersion(output: string): [number, number, number] | undefined {
  const m = /^temporal version \S+ \(Server (\d+)\.(\d+)\.(\d+)/m.exec(output);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function isCompatibleVersion(v: readonly [number, number, number]): boolean {
  if (v[0] !== MIN_COMPATIBLE[0]) return false;
  if (v[1] !== MIN_COMPATIBLE[1]) return v[1] > MIN_COMPATIBLE[1];
  return v[2] >= MIN_COMPATIBLE[2];
}

async function cliVersion(path: string): Promise<[number, number, number] | undefined> {
  try {
    const { stdout } = await execFileAsync(path, ['--version'], { timeout: 15_000 });
    return parseCliVersion(stdout);
  } catch {
    return undefined;
  }
}

async function findOnPath(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const candidates = env.TEMPORAL_CLI_PATH ? [env.TEMPORAL_CLI_PATH] : [];
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) candidates.push(join(dir, 'temporal'));
  for (const candidate of candidates) {
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function releaseArchiveUrl(): string | undefined {
  const os = { linux: 'linux', darwin: 'darwin' }[process.platform as string];
  const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch as string];
  if (!os || !arch) return undefined;
  const v = TEMPORAL_CLI_VERSION;
  return `https://github.com/temporalio/cli/releases/download/v${v}/temporal_cli_${v}_${os}_${arch}.tar.gz`;
}

async function downloadRelease(target: string, log: Log): Promise<void> {
  const url = releaseArchiveUrl();
  if (!url) throw new Error(`no release archive for ${process.platform}/${process.arch}`);
  log(`route 2: downloading the release archive ${url}`);
  const res = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
  const work = await mkdtemp(join(tmpdir(), 'temporal-cli-'));
  try {
    const archive = join(work, 'temporal.tar.gz');
    await writeFile(archive, Buffer.from(await res.arrayBuffer()));
    await execFileAsync('tar', ['-xzf', archive, '-C', work, 'temporal']);
    await chmod(join(work, 'temporal'), 0o755);
    await rename(join(work, 'temporal'), target);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function goInstall(target: string, log: Log): Promise<void> {
  const binDir = await mkdtemp(join(tmpdir(), 'temporal-gobin-'));
  const pkg = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;
  log(`route 3: go install ${pkg}`);
  log('  a first build downloads ~150 modules and compiles the server: expect 3-10 minutes on 2 cores');
  const started = Date.now();
  const ticker = setInterval(
    () => log(`  still building… ${Math.round((Date.now() - started) / 1000)} s`),
    30_000,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('go', ['install', pkg], {
        env: { ...process.env, GOBIN: binDir, GOFLAGS: process.env.GOFLAGS ?? '-trimpath' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`go install exited with ${code}`)),
      );
    });
    await rename(join(binDir, 'temporal'), target);
    log(`  built in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    clearInterval(ticker);
    await rm(binDir, { recursive: true, force: true });
  }
}

async function hasGo(): Promise<boolean> {
  try {
    await execFileAsync('go', ['version'], { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/** Returns the path of a compatible Temporal CLI, installing it into the cache when needed. */
export async function ensureTemporalCli(
  log: Log = (line) => console.error(`[temporal-cli] ${line}`),
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const failures: string[] = [];

  const onPath = await findOnPath(env);
  if (onPath) {
    const v = await cliVersion(onPath);
    if (v && isCompatibleVersion(v)) return onPath;
    failures.push(
      `route 1 (temporal on PATH): ${onPath} carries server ${v ? v.join('.') : 'of unknown version'}, need server >= ${MIN_COMPATIBLE.join('.')} < 2`,
    );
  } else {
    failures.push('route 1 (temporal on PATH): no `temporal` executable on PATH and TEMPORAL_CLI_PATH unset');
  }

  const cached = cachedBinaryPath(env);
  if ((await isExecutable(cached)) && (await cliVersion(cached))) return cached;

  await mkdir(temporalCacheDir(env), { recursive: true });
  log(`Temporal CLI ${TEMPORAL_CLI_VERSION} is not installed; installing into ${temporalCacheDir(env)}`);

  try {
    await downloadRelease(cached, log);
    if (await cliVersion(cached)) return cached;
    failures.push('route 2 (release archive): the downloaded binary does not run');
  } catch (err) {
    log(`  release download failed: ${(err as Error).message}`);
    failures.push(`route 2 (release archive): ${(err as Error).message}`);
  }

  if (await hasGo()) {
    try {
      await goInstall(cached, log);
      if (await cliVersion(cached)) return cached;
      failures.push('route 3 (go install): the built binary does not run');
    } catch (err) {
      failures.push(`route 3 (go install): ${(err as Error).message}`);
    }
  } else {
    failures.push('route 3 (go install): `go` is not on PATH');
  }

  throw new Error(
    [
      `Could not install the Temporal CLI ${TEMPORAL_CLI_VERSION}. Tried:`,
      ...failures.map((f) => `  - ${f}`),
      'Fix one of them:',
      '  1. install the Temporal CLI yourself (https://docs.temporal.io/cli) and put `temporal` on PATH, or set TEMPORAL_CLI_PATH;',
      `  2. allow downloads from github.com (the archive is ${releaseArchiveUrl() ?? 'not published for this platform'});`,
      `  3. install Go >= 1.23 and re-run; it builds github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION} from the Go module proxy.`,
    ].join('\n'),
  );
}

// Run as a script: print the path, exit non-zero with the message above when no route works.
if (require.main === module) {
  ensureTemporalCli()
    .then((path) => console.log(path))
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
