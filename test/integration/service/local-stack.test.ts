/**
 * `npm start`'s program (dev/local-stack.ts) as a user runs it, on free ports and a fresh data directory:
 * it brings up Temporal and its Web UI, the emulator with a seeded production endpoint under traffic,
 * the worker and the API, and prints the local tokens; Ctrl-C stops all of it; a second start finds
 * the same workflow and endpoints; the `mvl` CLI works against it.
 * It runs its own Temporal dev server, as `npm start` does, not the test run's shared one.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localTokenFor } from '../../../src/config/local-tokens';

const ROOT = join(__dirname, '../../..');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

interface Stack {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function startStack(env: Record<string, string>): Stack {
  let output = '';
  // Whatever the calling shell points at, the stack uses its own Temporal and emulator.
  const { TEMPORAL_ADDRESS: _t, AWS_ENDPOINT_URL: _a, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'dev/local-stack.ts')], {
    cwd: ROOT,
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForBanner(stack: Stack): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (!stack.output().includes('model-version-lifecycle is running')) {
    if (stack.child.exitCode !== null) throw new Error(`the stack exited:\n${stack.output()}`);
    if (Date.now() > deadline) throw new Error(`the stack did not start:\n${stack.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs the `mvl` CLI (bin/mvl.js) as a person would, with the stack's local tokens. */
function mvl(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/mvl.js'), ...args],
      { env: { ...process.env, ...env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('the local stack (npm start)', () => {
  it('starts everything, stops on Ctrl-C, picks up the same workflow on the next start, and serves the CLI', async () => {
    const ports = {
      api: await freePort(),
      temporal: await freePort(),
      ui: await freePort(),
      emulator: await freePort(),
    };
    const dataDir = mkdtempSync(join(tmpdir(), 'mvl-stack-'));
    const env = {
      DATA_DIR: dataDir,
      API_PORT: String(ports.api),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      EMULATOR_PORT: String(ports.emulator),
    };
    const api = `http://127.0.0.1:${ports.api}`;
    const first = startStack(env);
    let second: Stack | undefined;
    try {
      await waitForBanner(first);
      expect(first.output()).toContain(`AWS emulator http://127.0.0.1:${ports.emulator}`);
      expect(first.output()).toMatch(/approver\s+\S+@local\s+mvl_/);
      expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);
      expect((await fetch(`${api}/health`)).status).toBe(200);
      const pipeline = (await localTokenFor(dataDir, 'pipeline'))!;
      const viewer = (await localTokenFor(dataDir, 'viewer'))!;
      const auth = (token: string) => ({
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      });

      // The seeded production endpoint serves v0, and its users are sending traffic.
      const endpoint = await (await fetch(`${api}/endpoints/churn-prod`, { headers: auth(viewer) })).json();
      expect(endpoint).toMatchObject({ status: 'InService', variants: [{ variantName: 'v0' }] });
      const trafficSent = async () => {
        const res = await fetch(`http://127.0.0.1:${ports.emulator}/_emulator/state`);
        return ((await res.json()) as { traffic: { sent: number } }).traffic.sent;
      };
      const sentAtStart = await trafficSent();
      await expect.poll(trafficSent, { timeout: 10_000 }).toBeGreaterThan(sentAtStart);

      const started = await fetch(`${api}/model-versions`, {
        method: 'POST',
        headers: auth(pipeline),
        body: JSON.stringify({
          modelPackageGroup: 'churn',
          idempotencyKey: 'stack-test-1',
          artifactUri: 's3://models/churn/1/model.tar.gz',
          inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1',
          lineage: { datasetUri: 's3://d', datasetVersion: '1', codeCommit: 'abc', trainingJobName: 't1' },
          deployment: { productionEndpointName: 'churn-prod' },
        }),
      });
      expect(started.status).toBe(201);
      const { id } = (await started.json()) as { id: string };
      const stage = async () =>
        (
          (await (await fetch(`${api}/model-versions/${id}`, { headers: auth(viewer) })).json()) as {
            stage: string;
          }
        ).stage;
      await expect.poll(stage, { timeout: 30_000 }).toBe('awaiting-approval');

      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);
      for (const port of Object.values(ports)) expect(await portIsFree(port)).toBe(true);

      second = startStack(env);
      await waitForBanner(second);
      expect(await stage()).toBe('awaiting-approval');
      const again = await (await fetch(`${api}/endpoints/churn-prod`, { headers: auth(viewer) })).json();
      expect(again).toMatchObject({ status: 'InService', variants: [{ variantName: 'v0' }] });
      // The CLI against the restarted stack: list, status, approve, and its refusals as exit codes.
      const cliEnv = { MVL_API_URL: api, DATA_DIR: dataDir };
      const listed = await mvl(['list', '--awaiting-approval'], cliEnv);
      expect(listed.code).toBe(0);
      expect(listed.out).toContain(id);
      const status = await mvl(['status', id], cliEnv);
      expect(status.code).toBe(0);
      expect(status.out).toMatch(/awaiting-approval/);
      expect(await mvl(['approve', id, '--comment', 'metrics reviewed'], cliEnv)).toMatchObject({ code: 0 });
      await expect.poll(stage, { timeout: 30_000 }).not.toBe('awaiting-approval');
      const twice = await mvl(['approve', id, '--comment', 'again'], cliEnv);
      expect(twice.code).toBe(5);
      expect((await mvl(['status', 'mv-nothing-here'], cliEnv)).code).toBe(4);
      expect((await mvl(['approve', id], cliEnv)).code).toBe(2);

      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);
    } finally {
      for (const s of [first, second]) if (s && s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  });

  it('stops the whole stack when npm, its parent, is sent SIGTERM or is killed', async () => {
    const { TEMPORAL_ADDRESS: _t, AWS_ENDPOINT_URL: _a, ...inherited } = process.env;
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const ports = { api: await freePort(), temporal: await freePort(), emulator: await freePort() };
      let output = '';
      const npm = spawn('npm', ['start'], {
        cwd: ROOT,
        env: {
          ...inherited,
          LOG_LEVEL: 'warn',
          DATA_DIR: mkdtempSync(join(tmpdir(), 'mvl-stack-')),
          API_PORT: String(ports.api),
          TEMPORAL_PORT: String(ports.temporal),
          TEMPORAL_UI_PORT: String(await freePort()),
          EMULATOR_PORT: String(ports.emulator),
        },
      });
      npm.stdout.on('data', (d: Buffer) => (output += d.toString()));
      npm.stderr.on('data', (d: Buffer) => (output += d.toString()));
      try {
        await waitForBanner({ child: npm, output: () => output, exited: Promise.resolve(null) });
        npm.kill(signal);
        for (const port of Object.values(ports)) {
          await expect.poll(() => portIsFree(port), { timeout: 30_000, interval: 250 }).toBe(true);
        }
      } finally {
        if (npm.exitCode === null) npm.kill('SIGKILL');
      }
    }
  });
});
