/**
 * The EventBridge event SageMaker emits when a model package's approval status changes (for example
 * an approval in SageMaker Studio). Only the fields the bridge needs are required; the rest pass.
 */
import { z } from 'zod';

/** SageMaker's UserContext: a Studio user profile and, for model packages, the IAM principal. */
const userContext = z
  .object({
    UserProfileName: z.string().max(256).optional(),
    UserProfileArn: z.string().max(256).optional(),
    DomainId: z.string().max(256).optional(),
    IamIdentity: z
      .object({ Arn: z.string().max(2048).optional() })
      .loose()
      .optional(),
  })
  .loose();

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
        ApprovalDescription: z.string().max(1024).optional(),
        /** Not part of AWS's event; accepted for tools that forward a plain user name. */
        UpdatedBy: z.string().max(256).optional(),
        LastModifiedBy: userContext.optional(),
        CreatedBy: userContext.optional(),
      })
      .loose(),
  })
  .loose();
export type SageMakerStateChange = z.output<typeof sageMakerStateChangeSchema>;
