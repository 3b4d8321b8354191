/** Request shapes of the model-versions routes, validated at the edge (400 names the field). */
import { z } from 'zod';
import { ACTIVE_STAGES, FINAL_STAGES } from '../../shared/lifecycle-state';

export const groupName = z
  .string()
  .regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a model package group name');

export const workflowIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,255}$/, 'must be a model-version id as returned by POST /model-versions');

export const listQuerySchema = z
  .object({
    group: groupName.optional(),
    stage: z.enum([...ACTIVE_STAGES, ...FINAL_STAGES]).optional(),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
    pageToken: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be a nextPageToken from an earlier page')
      .optional(),
  })
  .strict();
export type ListQuery = z.output<typeof listQuerySchema>;

/**
 * GET /model-versions/:id: `memo` (default) is the read model the workflow keeps in its memo, one
 * server call and no worker; `full` is the `state` query, every list entry, answered by a worker.
 */
export const readQuerySchema = z.object({ view: z.enum(['memo', 'full']).default('memo') }).strict();
export type ReadQuery = z.output<typeof readQuerySchema>;

/** `comment` (approvers) and `reason` (operators) are synonyms; the actor always comes from the token. */
export const commandBodySchema = z
  .object({
    reason: z.string().trim().min(1).max(1000).optional(),
    comment: z.string().trim().min(1).max(1000).optional(),
  })
  .strict();
export type CommandBody = z.output<typeof commandBodySchema>;

/** A withdrawal must say why (`reason`, or an approver's `comment`). */
export const withdrawBodySchema = commandBodySchema.refine((b) => !!(b.reason ?? b.comment), {
  message: 'a withdrawal needs a reason',
  path: ['reason'],
});
export type WithdrawBody = z.output<typeof withdrawBodySchema>;
