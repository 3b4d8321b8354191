import {
  applyDecorators,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { z } from 'zod';
import type { CommandAction } from '../../shared/messages';
import { CurrentCaller, type Caller } from '../auth/caller';
import { READERS, RequireRoles, type Role } from '../auth/roles';
import { ZodPipe } from '../common/validation';
import {
  commandBodyJsonSchema,
  errorJsonSchema,
  registrationJsonSchema,
  startedJsonSchema,
  startRequestJsonSchema,
  summaryListJsonSchema,
} from '../openapi/json-schemas';
import { LIFECYCLE_SERVICE, WITHDRAWAL_SERVICE } from '../tokens';
import type { LifecycleService } from './lifecycle.service';
import {
  commandBodySchema,
  listQuerySchema,
  readQuerySchema,
  withdrawBodySchema,
  workflowIdSchema,
  type CommandBody,
  type ListQuery,
  type ReadQuery,
  type WithdrawBody,
} from './schemas';
import type { WithdrawalService } from './withdrawal.service';
import { parseStartRequest } from './start-request';

const ID_PARAM = { name: 'id', description: 'The id returned by POST /model-versions (the workflow ID)' };
/** What any route may answer when Temporal cannot take the call (common/temporal-errors.ts). */
const TEMPORAL_STATUSES = [429, 503, 504];
const errors = (...codes: number[]) =>
  applyDecorators(
    ...[...codes, ...TEMPORAL_STATUSES].map((status) => ApiResponse({ status, schema: errorJsonSchema })),
  );

/** Who may send which command (see auth/roles.ts): one role per permission, whichever route carries it. */
export const COMMAND_ROLES: Record<CommandAction, Role[]> = {
  approve: ['approver'],
  reject: ['approver'],
  rollback: ['operator'],
  pause: ['operator'],
  resume: ['operator'],
  promote: ['operator'],
  'retry-rollback': ['operator'],
  release: ['operator'],
};

/** Withdrawing a served version: the approvers who approve, and the operators who run production. */
export const WITHDRAW_ROLES: Role[] = ['approver', 'operator'];

function commandRoute(action: CommandAction, summary: string) {
  return applyDecorators(
    Post(`:id/${action}`),
    HttpCode(200),
    RequireRoles(...COMMAND_ROLES[action]),
    ApiOperation({
      summary,
      description: `Roles: ${COMMAND_ROLES[action].join(', ')}. The actor recorded is the token's identity.`,
    }),
    ApiParam(ID_PARAM),
    ApiBody({ schema: commandBodyJsonSchema, required: false }),
    ApiResponse({ status: 200, description: 'Accepted by the workflow' }),
    errors(400, 401, 403, 404, 409),
  );
}

const idPipe = new ZodPipe(workflowIdSchema);
/** A command may come without a body (approve with no comment). */
const bodyPipe = new ZodPipe(z.preprocess((body) => body ?? {}, commandBodySchema));

@ApiTags('model-versions')
@ApiBearerAuth()
@Controller('model-versions')
export class ModelVersionsController {
  constructor(
    @Inject(LIFECYCLE_SERVICE) private readonly lifecycles: LifecycleService,
    @Inject(WITHDRAWAL_SERVICE) private readonly withdrawals: WithdrawalService,
  ) {}

  @Post()
  @RequireRoles('pipeline')
  @ApiOperation({
    summary: 'Start the lifecycle of a trained model version',
    description:
      "Checked against SageMaker's documented limits and the API's bounds before anything starts (400 naming each field); unknown fields are refused. Idempotent on (modelPackageGroup, idempotencyKey) for every caller: 201 when started, 200 with the same body for the same request, 409 with `differingFields` for a different request under a used key. `registeredBy` is the token identity.",
  })
  @ApiBody({ schema: startRequestJsonSchema })
  @ApiResponse({ status: 201, description: 'Started', schema: startedJsonSchema })
  @ApiResponse({ status: 200, description: 'Already existed, same request', schema: startedJsonSchema })
  @ApiResponse({ status: 409, description: 'The key was used for a different request (`differingFields`)' })
  @errors(400, 401, 403, 413)
  async start(
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) res: { status(code: number): unknown },
  ) {
    const { created, body: started } = await this.lifecycles.start(parseStartRequest(body, caller.identity));
    res.status(created ? 201 : 200);
    return started;
  }

  @Get()
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'List model versions from Temporal visibility, newest first' })
  @ApiQuery({ name: 'group', required: false })
  @ApiQuery({ name: 'stage', required: false, example: 'awaiting-approval' })
  @ApiQuery({
    name: 'pageSize',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  })
  @ApiQuery({ name: 'pageToken', required: false, description: 'nextPageToken of the previous page' })
  @ApiResponse({ status: 200, schema: summaryListJsonSchema })
  @errors(400, 401, 403)
  list(@Query(new ZodPipe(listQuerySchema)) query: ListQuery) {
    return this.lifecycles.list(query);
  }

  @Get(':id')
  @RequireRoles(...READERS)
  @ApiOperation({
    summary: 'Stage, history, approval comparison, canary progress and health verdicts of one version',
  })
  @ApiParam(ID_PARAM)
  @ApiQuery({
    name: 'view',
    required: false,
    schema: { type: 'string', enum: ['memo', 'full'], default: 'memo' },
    description:
      '`memo`: the read model the workflow keeps in its memo (one server call, no worker; lists bounded, `omitted` counts what they leave out). `full`: the `state` query, every entry, answered by a worker.',
  })
  @ApiResponse({
    status: 200,
    description:
      "The workflow state (see LifecycleState in src/shared) with `source` (memo, query, result or server) and `status`. From the memo: `stale: true` only while the server holds events no worker has processed yet. Runs started before the memo, and `view=full`, ask the query; with no worker answering: a completed lifecycle's final state, otherwise what the Temporal server holds (stage, version, pending activities) with `stale: true` and `staleReason`",
  })
  @errors(400, 401, 403, 404)
  get(@Param('id', idPipe) id: string, @Query(new ZodPipe(readQuerySchema)) query: ReadQuery) {
    return this.lifecycles.read(id, query.view);
  }

  @Get(':id/registration')
  @RequireRoles(...READERS)
  @ApiOperation({
    summary: 'What the version was started with: lineage, metrics, tags, approval policy and rollout plan',
  })
  @ApiParam(ID_PARAM)
  @ApiResponse({ status: 200, schema: registrationJsonSchema })
  @errors(400, 401, 403, 404)
  registration(@Param('id', idPipe) id: string) {
    return this.lifecycles.registration(id);
  }

  @commandRoute('approve', 'Approve the version (not by its registrant)')
  approve(
    @Param('id', idPipe) id: string,
    @Body(bodyPipe) body: CommandBody,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send('approve', id, body, caller);
  }

  @commandRoute('reject', 'Reject the version')
  reject(
    @Param('id', idPipe) id: string,
    @Body(bodyPipe) body: CommandBody,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send('reject', id, body, caller);
  }

  @commandRoute('rollback', 'Roll the canary back to the stable version')
  rollback(
    @Param('id', idPipe) id: string,
    @Body(bodyPipe) body: CommandBody,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send('rollback', id, body, caller);
  }

  @commandRoute('pause', 'Pause the canary at its current step')
  pause(@Param('id', idPipe) id: string, @Body(bodyPipe) body: CommandBody, @CurrentCaller() caller: Caller) {
    return this.send('pause', id, body, caller);
  }

  @commandRoute('resume', 'Resume a paused canary')
  resume(
    @Param('id', idPipe) id: string,
    @Body(bodyPipe) body: CommandBody,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send('resume', id, body, caller);
  }

  @commandRoute('promote', 'Skip the remaining canary steps and promote now')
  promote(
    @Param('id', idPipe) id: string,
    @Body(bodyPipe) body: CommandBody,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send('promote', id, body, caller);
  }

  @commandRoute('retry-rollback', 'Run a rollback that could not complete again (needs-attention only)')
  retryRollback(
    @Param('id', idPipe) id: string,
    @Body(bodyPipe) body: CommandBody,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send('retry-rollback', id, body, caller);
  }

  @commandRoute(
    'release',
    'End a lifecycle in needs-attention after fixing the endpoint by hand (reason required)',
  )
  release(
    @Param('id', idPipe) id: string,
    @Body(bodyPipe) body: CommandBody,
    @CurrentCaller() caller: Caller,
  ) {
    return this.send('release', id, body, caller);
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @RequireRoles(...WITHDRAW_ROLES)
  @ApiOperation({
    summary:
      'Withdraw an approved version (reason required): revert it if it serves, roll it back mid-canary',
    description:
      'Roles: approver, operator. Serving its endpoint: the endpoint goes back to the previous approved version that still exists (the revert workflow, cause `withdrawal`), or, with none, `withdrawal-blocked` is recorded and it keeps serving. In the canary: an operator rollback. Awaiting approval: a reject. Before production: the lifecycle is cancelled. Never served: `{ignored: reason}`.',
  })
  @ApiParam(ID_PARAM)
  @ApiBody({ schema: commandBodyJsonSchema })
  @ApiResponse({ status: 200, description: '`{withdrawn, id, by, …}` or `{ignored: reason}`' })
  @errors(400, 401, 403, 404, 409)
  withdraw(
    @Param('id', idPipe) id: string,
    @Body(new ZodPipe(z.preprocess((body) => body ?? {}, withdrawBodySchema))) body: WithdrawBody,
    @CurrentCaller() caller: Caller,
  ) {
    return this.withdrawals.withdraw(id, caller.identity, (body.reason ?? body.comment)!);
  }

  private send(action: CommandAction, id: string, { reason, comment }: CommandBody, caller: Caller) {
    return this.lifecycles.command(id, action, caller.identity, reason ?? comment);
  }
}
