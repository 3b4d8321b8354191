/**
 * Lifecycle notifications: POST the notification as JSON to the configured webhook. Nothing is sent
 * when no webhook is configured. Failures are retryable; their messages name only the host, since
 * webhook URLs often carry a secret token and failure messages land in workflow history.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { LifecycleActivities } from '../src/shared/activity-contracts';

export const WEBHOOK_FAILED = 'WebhookFailed';
const DEFAULT_TIMEOUT_MS = 10_000;

export function createNotifyActivities(deps: {
  webhookUrl?: string;
  webhookTimeoutMs?: number;
}): Pick<LifecycleActivities, 'notify'> {
  return {
    async notify(notification) {
      if (!deps.webhookUrl) return;
      const host = new URL(deps.webhookUrl).host;
      let response: Response;
      try {
        response = await fetch(deps.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(notification),
          signal: AbortSignal.timeout(deps.webhookTimeoutMs ?? DEFAULT_TIMEOUT_MS),
        });
      } catch (err) {
        throw ApplicationFailure.retryable(
          `webhook at ${host} unreachable: ${(err as Error).message}`,
          WEBHOOK_FAILED,
        );
      }
      await response.body?.cancel(); // the answer's body is not used; free the connection
      if (!response.ok) {
        throw ApplicationFailure.retryable(
          `webhook at ${host} answered HTTP ${response.status}`,
          WEBHOOK_FAILED,
        );
      }
    },
  };
}
