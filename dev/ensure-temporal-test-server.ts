/**
 * Installs Temporal's time-skipping test server (the one `TestWorkflowEnvironment.createTimeSkipping`
 * runs) for the time-skipping tests.
 *
 * The SDK downloads a native build from temporal.download, which many networks (CI, this project's
 * build machine) cannot reach. The same server is published on Maven Central as
 * `io.temporal:temporal-test-server` (part of the Java SDK), so the project resolves it with Maven and
 * runs it on the JVM. Needs `java` (8 or later) and `mvn` on PATH.
 *
 * The jars and a launcher script are cached outside the clone, keyed by version, under
 * `~/.cache/model-version-lifecycle/temporal-test-server/<version>/`. Running it again when installed
 * is a no-op that prints the launcher's path. TEMPORAL_TEST_SERVER_PATH points at another executable
 * that takes the same arguments (`<port>`), e.g. the SDK's native download.
 */
import { execFile } from 'node:child_process';
import { access, chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The pinned Java SDK release whose test server the tests run. */
export const TEMPORAL_TEST_SERVER_VERSION = '1.38.0';
const MAIN_CLASS = 'io.temporal.testserver.TestServer';
const RESOLVE_TIMEOUT_MS = 15 * 60_000;

type Log = (line: string) => void;

export function testServerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.TEMPORAL_CLI_CACHE_DIR ??
    join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'model-version-lifecycle');
  return join(base, 'temporal-test-server', TEMPORAL_TEST_SERVER_VERSION);
}

/** A one-dependency pom: Maven resolves the server and everything it needs, nothing is built. */
export function testServerPom(version: string = TEMPORAL_TEST_SERVER_VERSION): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by dev/ensure-temporal-test-server.ts: resolves the time-skipping test server's classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>model-version-lifecycle</groupId>
  <artifactId>temporal-test-server-classpath</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${version}</version>
    </dependency>
  </dependencies>
</project>
`;
}

/**
 * The launcher: `temporal-test-server <port>` runs the server in the foreground, as the SDK expects of
 * the executable it is given. `<port> --already-running` starts nothing and waits until killed: it lets
 * `createTimeSkipping({ server: { port } })` attach to a server its caller started itself (the SDK
 * gives a process it spawns 5 s to answer, less than a JVM needs on a loaded machine).
 */
export function launcherScript(java: string, classpath: string): string {
  return `#!/bin/sh
# Temporal time-skipping test server ${TEMPORAL_TEST_SERVER_VERSION} (io.temporal:temporal-test-server from Maven Central).
# Written by dev/ensure-temporal-test-server.ts; usage: temporal-test-server <port> [--already-running]
if [ "$2" = "--already-running" ]; then exec tail -f /dev/null; fi
exec "${java}" \${TEMPORAL_TEST_SERVER_JAVA_OPTS:--Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1} \\
  -cp "${classpath}" ${MAIN_CLASS} "$@"
`;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    return s.isFile() && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Installed when the launcher exists and every jar it names is still in the cache. */
async function isInstalled(dir: string): Promise<boolean> {
  if (!(await isExecutable(join(dir, 'temporal-test-server')))) return false;
  try {
    const classpath = (await readFile(join(dir, 'classpath.txt'), 'utf8')).trim();
    if (!classpath) return false;
    await Promise.all(classpath.split(':').map((jar) => access(jar)));
    return true;
  } catch {
    return false;
  }
}

async function findJava(env: NodeJS.ProcessEnv): Promise<string> {
  const java = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
  try {
    await execFileAsync(java, ['-version'], { timeout: 30_000, env });
    return env.JAVA_HOME ? java : await resolveOnPath('java', env);
  } catch (err) {
    throw new Error(`no Java runtime (${java} -version failed: ${(err as Error).message})`);
  }
}

async function resolveOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string> {
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) {
    if (await isExecutable(join(dir, name))) return join(dir, name);
  }
  return name;
}

/** Returns the path of the launcher, installing the server into the cache when needed. */
export async function ensureTemporalTestServer(
  log: Log = (line) => console.error(`[temporal-test-server] ${line}`),
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (env.TEMPORAL_TEST_SERVER_PATH) {
    if (await isExecutable(env.TEMPORAL_TEST_SERVER_PATH)) return env.TEMPORAL_TEST_SERVER_PATH;
    throw new Error(`TEMPORAL_TEST_SERVER_PATH=${env.TEMPORAL_TEST_SERVER_PATH} is not an executable file`);
  }
  const dir = testServerCacheDir(env);
  const launcher = join(dir, 'temporal-test-server');
  if (await isInstalled(dir)) return launcher;

  const fail = (why: string) =>
    new Error(
      [
        `Could not install the Temporal test server ${TEMPORAL_TEST_SERVER_VERSION}: ${why}`,
        'The time-skipping tests run it from Maven Central (io.temporal:temporal-test-server). Fix one of:',
        '  1. install a Java runtime (8 or later) and Maven (`apt-get install default-jdk-headless maven`), with access to Maven Central or a mirror in ~/.m2/settings.xml;',
        '  2. set TEMPORAL_TEST_SERVER_PATH to a test server executable that takes `<port>` (e.g. the SDK download from temporal.download).',
      ].join('\n'),
    );

  const java = await findJava(env).catch((err: Error) => {
    throw fail(err.message);
  });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'pom.xml'), testServerPom());
  log(
    `installing into ${dir} with Maven (a first run downloads ~50 MB: the jars and Maven's dependency plugin)`,
  );
  const started = Date.now();
  const classpathFile = join(dir, 'classpath.txt');
  try {
    await execFileAsync(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        join(dir, 'pom.xml'),
        // The jars stay in this cache, not in ~/.m2: one place to delete, nothing shared with other builds.
        `-Dmaven.repo.local=${join(dir, 'repository')}`,
        'dependency:build-classpath',
        `-Dmdep.outputFile=${classpathFile}.partial`,
      ],
      { timeout: RESOLVE_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env },
    );
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw fail(`mvn dependency:build-classpath failed: ${e.message.split('\n')[0]}\n${output}`);
  }
  const classpath = (await readFile(`${classpathFile}.partial`, 'utf8')).trim();
  await writeFile(`${launcher}.partial`, launcherScript(java, classpath));
  await chmod(`${launcher}.partial`, 0o755);
  // The classpath last: isInstalled() trusts a launcher only next to a complete classpath.
  await rename(`${launcher}.partial`, launcher);
  await rename(`${classpathFile}.partial`, classpathFile);
  log(`installed in ${Math.round((Date.now() - started) / 1000)} s: ${launcher}`);
  return launcher;
}

// Run as a script: print the path, exit non-zero with the message above when it cannot be installed.
if (require.main === module) {
  ensureTemporalTestServer()
    .then((path) => console.log(path))
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
