/**
 * The EventBridge event SageMaker emits when a model package's approval status changes (for example
 * an approval in SageMaker Studio). Only the fields the bridge needs are required; the rest pass.
 */
import { z } from 'zod';

const userProfile = z.object({ UserProfileName: z.string().optional() }).loose();

export const sageMakerStateChangeSchema = z
  .object({
    'detail-type': z.literal('SageMaker Model Package State Change', {
      message: 'must be "SageMaker Model Package State Change"',
    }),
    source: z.literal('aws.sagemaker', { message: 'must be "aws.sagemaker"' }).optional(),
    detail: z
      .object({
        ModelPackageGroupName: z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a group name'),
        ModelPackageVersion: z.number().int().positive(),
        ModelApprovalStatus: z.enum(['Approved', 'Rejected', 'PendingManualApproval']),
        ApprovalDescription: z.string().optional(),
        /** Not part of AWS's event; accepted for tools that forward a plain user name. */
        UpdatedBy: z.string().optional(),
        LastModifiedBy: userProfile.optional(),
        CreatedBy: userProfile.optional(),
      })
      .loose(),
  })
  .loose();
export type SageMakerStateChange = z.output<typeof sageMakerStateChangeSchema>;

/** Who made the change, as the workflow will record it: never mistakable for a person of this service. */
export function studioActor(event: SageMakerStateChange): string {
  const name = event.detail.UpdatedBy ?? event.detail.LastModifiedBy?.UserProfileName;
  return `sagemaker-studio:${name || 'unknown'}`;
}
