/**
 * What the SageMaker Studio bridge needs beyond Temporal: the identity mapping, a way to set a
 * package's status back in the registry when the product refuses a Studio decision (so registry and
 * lifecycle agree), and the webhook that tells people about the refusal. The API process builds them
 * from its SageMaker client and configuration; tests pass fakes.
 */
import { UpdateModelPackageCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { StudioIdentityConfig } from '../../config';
import { APPROVAL_DESCRIPTION_MAX } from '../../shared/sagemaker-limits';

export type RegistryStatus = 'Approved' | 'Rejected' | 'PendingManualApproval';

/** Sent to the notification webhook, beside the lifecycle's own notifications. */
export interface StudioDecisionRefused {
  kind: 'studio-decision-refused';
  workflowId: string;
  modelPackageGroup: string;
  modelVersion: number;
  modelPackageArn?: string;
  /** What Studio set, and what the registry was set back to. */
  studioStatus: RegistryStatus;
  restoredStatus?: RegistryStatus;
  studioUser: string;
  identity?: string;
  reason: string;
}

export interface StudioDecisions {
  identities: StudioIdentityConfig;
  setApprovalStatus(input: {
    modelPackageArn: string;
    status: RegistryStatus;
    description: string;
  }): Promise<void>;
  notify(notification: StudioDecisionRefused): Promise<void>;
}

export function createStudioDecisions(deps: {
  sagemaker: SageMakerClient;
  identities: StudioIdentityConfig;
  webhookUrl?: string;
}): StudioDecisions {
  return {
    identities: deps.identities,
    async setApprovalStatus({ modelPackageArn, status, description }) {
      await deps.sagemaker.send(
        new UpdateModelPackageCommand({
          ModelPackageArn: modelPackageArn,
          ModelApprovalStatus: status,
          ApprovalDescription: description.slice(0, APPROVAL_DESCRIPTION_MAX),
        }),
      );
    },
    async notify(notification) {
      if (!deps.webhookUrl) return;
      const response = await fetch(deps.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(notification),
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      // Only the host: webhook URLs often carry a secret.
      if (!response.ok)
        throw new Error(`webhook at ${new URL(deps.webhookUrl).host} answered ${response.status}`);
    },
  };
}
