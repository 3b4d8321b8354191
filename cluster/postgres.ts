/**
 * The cluster's PostgreSQL: an existing server given by POSTGRES_URL, or one of our own from the
 * machine's packages (Debian: `apt-get install postgresql-15`), its data in the cluster's data
 * directory so a restart finds the same workflows. Superuser and password as docker-compose's
 * `postgresql` service: POSTGRES_USER / POSTGRES_PASSWORD (temporal / temporal).
 *
 * PostgreSQL refuses to run as root: as root, our server runs as the `postgres` system user the
 * package creates, and its data directory belongs to that user.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, writeFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startChild, runToCompletion, type Child } from './child-process';

export interface PostgresEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface RunningPostgres extends PostgresEndpoint {
  /** Ours, or undefined for an external server (never stopped by us). */
  child?: Child;
  stop(): Promise<void>;
}

export function parsePostgresUrl(url: string): PostgresEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(
      `POSTGRES_URL must be a URL like postgres://temporal:temporal@127.0.0.1:5432, got '${url}'`,
    );
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new Error(`POSTGRES_URL must start with postgres://, got '${u.protocol}'`);
  }
  if (!u.username) throw new Error('POSTGRES_URL names no user (postgres://USER:PASSWORD@HOST:PORT)');
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

/** initdb and postgres: on PATH, else Debian's /usr/lib/postgresql/<newest>/bin. */
export function findPostgresBinDir(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  }
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return undefined;
  const versions = readdirSync(debian)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(debian, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
  }
  return undefined;
}

function systemUserId(user: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

export async function waitForTcp(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface LocalPostgresOptions {
  dataDir: string;
  port: number;
  user: string;
  password: string;
  logDir: string;
  echo?: boolean;
}

export async function startLocalPostgres(o: LocalPostgresOptions): Promise<RunningPostgres> {
  const bin = findPostgresBinDir();
  if (!bin) {
    throw new Error(
      'PostgreSQL is not installed (no initdb/postgres on PATH or in /usr/lib/postgresql/*/bin): ' +
        '`apt-get install postgresql-15` (Debian), or give an existing server as POSTGRES_URL',
    );
  }
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? systemUserId('postgres') : undefined;
  if (asRoot && !owner)
    throw new Error('running as root and there is no `postgres` system user to run PostgreSQL as');
  const user = asRoot ? 'postgres' : undefined;
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  if (owner) await chown(o.dataDir, owner.uid, owner.gid);

  if (!existsSync(join(o.dataDir, 'PG_VERSION'))) {
    // The password file must be readable by the user initdb runs as; it is removed at once.
    const pwFile = join(o.dataDir, '..', `.pgpass-init-${process.pid}`);
    await writeFile(pwFile, `${o.password}\n`, { mode: 0o600 });
    if (owner) await chown(pwFile, owner.uid, owner.gid);
    try {
      await runToCompletion({
        name: 'initdb',
        command: join(bin, 'initdb'),
        args: [
          '-D',
          o.dataDir,
          '-U',
          o.user,
          `--pwfile=${pwFile}`,
          '--auth=scram-sha-256',
          '-E',
          'UTF8',
          '--locale=C',
        ],
        logFile: join(o.logDir, 'postgres.log'),
        ...(user ? { user } : {}),
      });
    } catch (err) {
      if (owner && /Permission denied/.test((err as Error).message)) {
        throw new Error(
          `${(err as Error).message}\nPostgreSQL runs as the postgres user: every directory above ${o.dataDir} must let it through (chmod o+x), or set DATA_DIR elsewhere`,
        );
      }
      throw err;
    } finally {
      await rm(pwFile, { force: true });
    }
  }
  const child = startChild({
    name: 'postgres',
    command: join(bin, 'postgres'),
    args: [
      '-D',
      o.dataDir,
      '-p',
      String(o.port),
      '-c',
      'listen_addresses=127.0.0.1',
      // TCP only: no socket file whose directory would have to suit the postgres user.
      '-c',
      'unix_socket_directories=',
      // Temporal's default pools (history 20, visibility 2, per service) fit in the default 100 with room.
      '-c',
      'max_connections=200',
    ],
    logFile: join(o.logDir, 'postgres.log'),
    ...(user ? { user } : {}),
    ...(o.echo ? { echo: true } : {}),
    // SIGINT: "fast" shutdown (roll back open transactions, flush, exit); SIGTERM would wait for clients.
    stopSignal: 'SIGINT',
    stopTimeoutMs: 20_000,
  });
  await child.waitForOutput(/database system is ready to accept connections/, 60_000);
  await waitForTcp('127.0.0.1', o.port, 10_000);
  return {
    host: '127.0.0.1',
    port: o.port,
    user: o.user,
    password: o.password,
    child,
    stop: () => child.stop(),
  };
}

export async function useExternalPostgres(url: string): Promise<RunningPostgres> {
  const endpoint = parsePostgresUrl(url);
  await waitForTcp(endpoint.host, endpoint.port, 10_000).catch((err: Error) => {
    throw new Error(`POSTGRES_URL: ${err.message}`);
  });
  return { ...endpoint, stop: () => Promise.resolve() };
}
