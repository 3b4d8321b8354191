import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ensureTemporalTestServer,
  launcherScript,
  testServerCacheDir,
  testServerPom,
  TEMPORAL_TEST_SERVER_VERSION,
} from '../../../dev/ensure-temporal-test-server';

describe('ensureTemporalTestServer', () => {
  it('uses TEMPORAL_TEST_SERVER_PATH when it is an executable, and names it when it is not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ts-server-'));
    try {
      const exe = join(dir, 'server');
      await writeFile(exe, '#!/bin/sh\n');
      await expect(ensureTemporalTestServer(() => {}, { TEMPORAL_TEST_SERVER_PATH: exe })).rejects.toThrow(
        `TEMPORAL_TEST_SERVER_PATH=${exe} is not an executable file`,
      );
      await chmod(exe, 0o755);
      await expect(ensureTemporalTestServer(() => {}, { TEMPORAL_TEST_SERVER_PATH: exe })).resolves.toBe(exe);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('returns the cached launcher without Maven when every jar of its classpath is present', async () => {
    const base = await mkdtemp(join(tmpdir(), 'ts-cache-'));
    try {
      const env = { TEMPORAL_CLI_CACHE_DIR: base, PATH: '' };
      const dir = testServerCacheDir(env);
      expect(dir).toBe(join(base, 'temporal-test-server', TEMPORAL_TEST_SERVER_VERSION));
      await mkdir(dir, { recursive: true });
      const jar = join(dir, 'a.jar');
      await writeFile(jar, '');
      await writeFile(join(dir, 'classpath.txt'), jar);
      await writeFile(join(dir, 'temporal-test-server'), launcherScript('/usr/bin/java', jar), {
        mode: 0o755,
      });
      // PATH is empty: reaching Java or Maven would fail, so this proves the cache answered.
      await expect(ensureTemporalTestServer(() => {}, env)).resolves.toBe(join(dir, 'temporal-test-server'));
      await rm(jar);
      await expect(ensureTemporalTestServer(() => {}, env)).rejects.toThrow(/no Java runtime/);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('pins the server in the pom and the launcher', () => {
    expect(testServerPom()).toContain(
      `<artifactId>temporal-test-server</artifactId>\n      <version>${TEMPORAL_TEST_SERVER_VERSION}</version>`,
    );
    expect(launcherScript('/opt/java', '/c/a.jar:/c/b.jar')).toMatch(
      /exec "\/opt\/java" .* \\\n {2}-cp "\/c\/a.jar:\/c\/b.jar" io\.temporal\.testserver\.TestServer "\$@"/,
    );
  });

  it('the launcher with --already-running starts nothing and stays until killed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ts-launcher-'));
    try {
      const launcher = join(dir, 'temporal-test-server');
      // A java that would record being run: it must not be.
      await writeFile(launcher, launcherScript(join(dir, 'no-such-java'), ''), { mode: 0o755 });
      const child = spawn(launcher, ['7233', '--already-running'], { stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r('alive'), 500))]);
      expect(early).toBe('alive');
      child.kill('SIGTERM');
      await exited;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
