import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
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
import type { ServingLineage } from '../../shared/activity-contracts';
import { z } from 'zod';
import { revertBodySchema, type RevertBody } from '../../shared/revert';
import { CurrentCaller, type Caller } from '../auth/caller';
import { READERS, RequireRoles } from '../auth/roles';
import { ZodPipe } from '../common/validation';
import { workflowIdSchema } from '../model-versions/schemas';
import { errorJsonSchema, revertBodyJsonSchema } from '../openapi/json-schemas';
import { REVERT_SERVICE, SERVING_LINEAGE_READER } from '../tokens';
import type { RevertService } from './revert.service';
import { endpointHistoryQuerySchema, endpointNameSchema, type EndpointHistoryQuery } from './schemas';

/** The activities' `describeServingLineage`, bound to a SageMaker client (a fake in tests). */
export type ServingLineageReader = (endpointName: string) => Promise<ServingLineage | null>;

const NAME_PARAM = { name: 'name', description: 'SageMaker endpoint name' };
const namePipe = new ZodPipe(endpointNameSchema);

@ApiTags('endpoints')
@ApiBearerAuth()
@Controller('endpoints')
export class EndpointsController {
  constructor(
    @Inject(SERVING_LINEAGE_READER) private readonly readLineage: ServingLineageReader,
    @Inject(REVERT_SERVICE) private readonly reverts: RevertService,
  ) {}

  @Get(':name')
  @RequireRoles(...READERS)
  @ApiOperation({
    summary: 'Which versions serve the endpoint, at which weights, trained on which data, approved by whom',
  })
  @ApiParam(NAME_PARAM)
  @ApiResponse({ status: 200, description: 'ServingLineage (see src/shared/activity-contracts.ts)' })
  @ApiResponse({ status: 404, schema: errorJsonSchema })
  async describe(@Param('name', namePipe) name: string) {
    const lineage = await this.readLineage(name);
    if (!lineage) throw new NotFoundException(`no endpoint named "${name}"`);
    return lineage;
  }

  @Post(':name/revert')
  @HttpCode(202)
  @RequireRoles('operator')
  @ApiOperation({
    summary: 'Put the endpoint back on the previously serving approved version, or on `toVersion`',
    description:
      'Role: operator. Starts the `endpointRevert` workflow: it takes the endpoint lock, shifts traffic in one step (`canary: true`: through the canary steps with health bakes), marks the registry (the version reverted to serving, the one reverted from Rejected with who and why) and notifies. 404: unknown version, not approved, or its model was pruned; 409: another deployment holds the endpoint, a revert is under way, or the endpoint is not on one version.',
  })
  @ApiParam(NAME_PARAM)
  @ApiBody({ schema: revertBodyJsonSchema })
  @ApiResponse({ status: 202, description: '`{id, endpointName, from, to, links}`' })
  @ApiResponse({ status: 400, schema: errorJsonSchema })
  @ApiResponse({ status: 404, schema: errorJsonSchema })
  @ApiResponse({ status: 409, schema: errorJsonSchema })
  revert(
    @Param('name', namePipe) name: string,
    @Body(new ZodPipe(z.preprocess((body) => body ?? {}, revertBodySchema))) body: RevertBody,
    @CurrentCaller() caller: Caller,
  ) {
    return this.reverts.start(name, body, caller.identity);
  }

  @Get(':name/reverts/:id')
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'One revert: from, to, who, why, stage, verdicts (--canary) and outcome' })
  @ApiParam(NAME_PARAM)
  @ApiParam({ name: 'id', description: 'The id returned by POST /endpoints/:name/revert' })
  @ApiResponse({ status: 200, description: 'RevertState (see src/shared/revert.ts)' })
  @ApiResponse({ status: 404, schema: errorJsonSchema })
  revertState(@Param('name', namePipe) name: string, @Param('id', new ZodPipe(workflowIdSchema)) id: string) {
    return this.reverts.state(name, id);
  }

  @Get(':name/history')
  @RequireRoles(...READERS)
  @ApiOperation({ summary: 'Lifecycles and reverts on the endpoint, newest first' })
  @ApiParam(NAME_PARAM)
  @ApiQuery({
    name: 'pageSize',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  })
  @ApiQuery({ name: 'pageToken', required: false, description: 'nextPageToken of the previous page' })
  @ApiResponse({
    status: 200,
    description:
      '`{endpointName, items: [{kind: lifecycle|revert, …}], nextPageToken}`; an endpoint no lifecycle targeted has none',
  })
  @ApiResponse({ status: 400, schema: errorJsonSchema })
  history(
    @Param('name', namePipe) name: string,
    @Query(new ZodPipe(endpointHistoryQuerySchema)) query: EndpointHistoryQuery,
  ) {
    return this.reverts.history(name, query.pageSize, query.pageToken);
  }
}
