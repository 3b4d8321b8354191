import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createNotifyActivities, WEBHOOK_FAILED } from '../../../activities/notify';
import type { LifecycleNotification } from '../../../src/shared/activity-contracts';
import { failureOf } from './helpers';

const notification: LifecycleNotification = {
  kind: 'rolled-back',
  workflowId: 'mv-churn-1',
  modelPackageGroup: 'churn',
  modelVersion: 7,
  endpointName: 'prod',
  reason: 'canary 5xx rate 6.00% (60/1000) is over the limit 5.00%',
};

interface Received {
  method?: string;
  contentType?: string;
  body: string;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A webhook on 127.0.0.1:<free port> answering `status`; returns its URL (with a secret path) and what it got. */
async function webhook(status: number): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method, contentType: req.headers['content-type'], body });
      res.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/SECRET-TOKEN`, received };
}

describe('notify', () => {
  it('POSTs the notification as JSON', async () => {
    const hook = await webhook(204);
    await createNotifyActivities({ webhookUrl: hook.url }).notify(notification);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]).toMatchObject({ method: 'POST', contentType: 'application/json' });
    expect(JSON.parse(hook.received[0]!.body)).toEqual(notification);
  });

  it('a non-2xx answer is a retryable failure that does not reveal the URL path', async () => {
    const hook = await webhook(503);
    const f = await failureOf(createNotifyActivities({ webhookUrl: hook.url }).notify(notification));
    expect(f.nonRetryable).toBe(false);
    expect(f.type).toBe(WEBHOOK_FAILED);
    expect(f.message).toContain('HTTP 503');
    expect(f.message).not.toContain('SECRET-TOKEN');
  });

  it('an unreachable webhook is a retryable failure', async () => {
    const hook = await webhook(200);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const f = await failureOf(
      createNotifyActivities({ webhookUrl: hook.url, webhookTimeoutMs: 2000 }).notify(notification),
    );
    expect(f.nonRetryable).toBe(false);
    expect(f.message).toMatch(/unreachable/);
  });

  it('does nothing without a webhook', async () => {
    await expect(createNotifyActivities({}).notify(notification)).resolves.toBeUndefined();
  });
});
