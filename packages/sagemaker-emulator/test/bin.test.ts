/**
 * The package's command (`npx sagemaker-emulator`) as another project runs it: it reads its settings
 * from EMULATOR_* variables, says where it listens, serves, refuses a bad setting by name, and stops on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(__dirname, '..', 'bin', 'sagemaker-emulator.js');

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

describe('sagemaker-emulator bin', () => {
  it('listens on the port it is given, answers its health check and exits 0 on SIGTERM', async () => {
    const p = run({ EMULATOR_PORT: '0', EMULATOR_METRIC_PERIOD_SECONDS: '1' });
    const deadline = Date.now() + 30_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /on (http:\/\/\S+)/.exec(p.output())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 100));
    }
    expect(url, p.output()).toBeDefined();
    const health = await fetch(`${url}/_emulator/health`);
    expect(health.status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 40_000);

  it('refuses a malformed setting and names it', async () => {
    const p = run({ EMULATOR_PORT: 'eighty' });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('EMULATOR_PORT must be an integer');
  }, 40_000);
});
