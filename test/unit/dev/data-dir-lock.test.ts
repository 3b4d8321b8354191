import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockDataDir } from '../../../dev/data-dir-lock';

describe('lockDataDir', () => {
  it('refuses a second stack on the same data directory while the first holds it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'stack.pid'), 'utf8')).toBe(String(process.pid));
    // The holder is a live process other than the caller.
    writeFileSync(join(dir, 'stack.pid'), String(process.ppid));
    expect(() => lockDataDir(dir)).toThrow(`another local stack (pid ${process.ppid}) is using ${dir}`);
    release();
    expect(existsSync(join(dir, 'stack.pid'))).toBe(false);
    lockDataDir(dir)();
  });

  it('takes over a pid file whose process is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    writeFileSync(join(dir, 'stack.pid'), '2147483646');
    const release = lockDataDir(dir);
    expect(readFileSync(join(dir, 'stack.pid'), 'utf8')).toBe(String(process.pid));
    release();
  });
});
