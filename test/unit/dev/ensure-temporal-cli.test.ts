import { describe, expect, it } from 'vitest';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ensureTemporalCli,
  isCompatibleVersion,
  parseCliVersion,
  temporalCacheDir,
  TEMPORAL_CLI_VERSION,
} from '../../../dev/ensure-temporal-cli';

describe('Temporal CLI installer', () => {
  it('reads the embedded server version the CLI prints, also from a go-installed 0.0.0-DEV build', () => {
    expect(parseCliVersion('temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)\n')).toEqual([1, 29, 1]);
    expect(parseCliVersion('temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)\n')).toEqual([1, 29, 1]);
    expect(parseCliVersion('something else')).toBeUndefined();
  });

  it('accepts servers 1.25 and later within major 1', () => {
    expect(isCompatibleVersion([1, 29, 1])).toBe(true);
    expect(isCompatibleVersion([1, 25, 0])).toBe(true);
    expect(isCompatibleVersion([1, 24, 9])).toBe(false);
    expect(isCompatibleVersion([0, 9, 0])).toBe(false);
    expect(isCompatibleVersion([2, 0, 0])).toBe(false);
  });

  it('caches outside the clone, keyed by version', () => {
    expect(temporalCacheDir({ XDG_CACHE_HOME: '/c' })).toBe(
      `/c/model-version-lifecycle/temporal-cli/${TEMPORAL_CLI_VERSION}`,
    );
    expect(temporalCacheDir({ TEMPORAL_CLI_CACHE_DIR: '/x' })).toBe(
      `/x/temporal-cli/${TEMPORAL_CLI_VERSION}`,
    );
  });

  it('uses a compatible temporal on PATH without installing anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fake-temporal-'));
    try {
      const fake = join(dir, 'temporal');
      await writeFile(fake, '#!/bin/sh\necho "temporal version 1.4.0 (Server 1.28.0, UI 2.40.0)"\n');
      await chmod(fake, 0o755);
      const logs: string[] = [];
      const found = await ensureTemporalCli((l) => logs.push(l), {
        PATH: dir,
        TEMPORAL_CLI_CACHE_DIR: join(dir, 'cache'),
      });
      expect(found).toBe(fake);
      expect(logs).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails naming all three routes when none works', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'no-temporal-'));
    try {
      const fake = join(dir, 'temporal');
      await writeFile(fake, '#!/bin/sh\necho "temporal version 0.9.0 (Server 1.20.0, UI 2.10.0)"\n');
      await chmod(fake, 0o755);
      // PATH has an incompatible temporal and no go; the download cannot reach a server.
      const env = { PATH: dir, TEMPORAL_CLI_CACHE_DIR: join(dir, 'cache') };
      const prevFetch = globalThis.fetch;
      globalThis.fetch = () => Promise.reject(new Error('offline'));
      const prevPath = process.env.PATH;
      process.env.PATH = dir; // `go` is looked up on the real PATH of the process
      try {
        const err = await ensureTemporalCli(() => {}, env).catch((e: Error) => e);
        expect(err).toBeInstanceOf(Error);
        const message = (err as Error).message;
        expect(message).toMatch(/route 1 \(temporal on PATH\): .* carries server 1\.20\.0/);
        expect(message).toMatch(/route 2 \(release archive\): offline/);
        expect(message).toMatch(/route 3 \(go install\): `go` is not on PATH/);
      } finally {
        globalThis.fetch = prevFetch;
        process.env.PATH = prevPath;
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
