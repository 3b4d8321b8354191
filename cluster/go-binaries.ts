/**
 * The Go programs of the cluster, built with `go install` from their modules on the Go module proxy
 * and cached outside the clone (next to the Temporal CLI of `npm run setup:temporal`), so a fresh
 * clone on the same machine builds nothing:
 *   - the Temporal server and its SQL schema tool, go.temporal.io/server v1.29.1 (the server the
 *     CLI's dev server embeds; its go.mod has no replace directives);
 *   - the Temporal UI server, github.com/temporalio/ui-server/v2 v2.42.1 (the UI the CLI embeds). The
 *     CLI cannot serve its UI alone against another server: `temporal server start-dev` always starts
 *     its own embedded server, and the UI only talks to that one.
 * A first build compiles ~400 packages: about 6 minutes on the 2-core build machine.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const TEMPORAL_UI_VERSION = '2.42.1';

interface GoProgram {
  /** The file name in the cache. */
  name: string;
  /** What `go install` builds, with the version. */
  pkg: string;
  /** The name `go install` gives the binary (the package directory's name). */
  builtAs: string;
  cacheSubdir: string;
}

export const GO_PROGRAMS = {
  server: {
    name: 'temporal-server',
    pkg: `go.temporal.io/server/cmd/server@v${TEMPORAL_SERVER_VERSION}`,
    builtAs: 'server',
    cacheSubdir: join('temporal-server', TEMPORAL_SERVER_VERSION),
  },
  sqlTool: {
    name: 'temporal-sql-tool',
    pkg: `go.temporal.io/server/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
    builtAs: 'sql',
    cacheSubdir: join('temporal-server', TEMPORAL_SERVER_VERSION),
  },
  ui: {
    name: 'temporal-ui-server',
    pkg: `github.com/temporalio/ui-server/v2/cmd/server@v${TEMPORAL_UI_VERSION}`,
    builtAs: 'server',
    cacheSubdir: join('temporal-ui-server', TEMPORAL_UI_VERSION),
  },
} satisfies Record<string, GoProgram>;

export type GoProgramName = keyof typeof GO_PROGRAMS;

/** Same base as the Temporal CLI's cache (TEMPORAL_CLI_CACHE_DIR, else XDG_CACHE_HOME or ~/.cache). */
export function cacheBase(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.TEMPORAL_CLI_CACHE_DIR ??
    join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'model-version-lifecycle')
  );
}

export function cachedPath(program: GoProgramName, env: NodeJS.ProcessEnv = process.env): string {
  const p = GO_PROGRAMS[program];
  return join(cacheBase(env), p.cacheSubdir, p.name);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    return s.isFile() && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

export async function goVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync('go', ['version'], { timeout: 15_000 });
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** Whether every program is already built (the cluster can start without Go). */
export async function allCached(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  for (const name of Object.keys(GO_PROGRAMS) as GoProgramName[]) {
    if (!(await isExecutable(cachedPath(name, env)))) return false;
  }
  return true;
}

async function goInstall(program: GoProgram, target: string, log: (line: string) => void): Promise<void> {
  const binDir = await mkdtemp(`${target}.gobin-`);
  log(`go install ${program.pkg} (first build only; several minutes on 2 cores)`);
  const started = Date.now();
  const ticker = setInterval(
    () => log(`  still building ${program.name}… ${Math.round((Date.now() - started) / 1000)} s`),
    30_000,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('go', ['install', program.pkg], {
        env: { ...process.env, GOBIN: binDir, GOFLAGS: process.env.GOFLAGS ?? '-trimpath' },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`go install ${program.pkg} exited with ${code}`)),
      );
    });
    // Atomic: a second cluster building at the same time never runs a half-written binary.
    await rename(join(binDir, program.builtAs), target);
    log(`  built ${program.name} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    clearInterval(ticker);
    await rm(binDir, { recursive: true, force: true });
  }
}

/** The path of a program, built into the cache first when it is not there. */
export async function ensureGoProgram(
  name: GoProgramName,
  log: (line: string) => void = (line) => console.error(`[go] ${line}`),
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const target = cachedPath(name, env);
  if (await isExecutable(target)) return target;
  if (!(await goVersion())) {
    throw new Error(
      `${GO_PROGRAMS[name].name} is not in ${target} and \`go\` is not on PATH: install Go >= 1.24 ` +
        `(it builds ${GO_PROGRAMS[name].pkg} once), or put a built binary there`,
    );
  }
  await mkdir(join(cacheBase(env), GO_PROGRAMS[name].cacheSubdir), { recursive: true });
  await goInstall(GO_PROGRAMS[name], target, log);
  return target;
}
