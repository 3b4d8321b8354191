import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ServingLineage } from '../../shared/activity-contracts';
import { READERS, RequireRoles } from '../auth/roles';
import { ZodPipe } from '../common/validation';
import type { LifecycleService } from '../model-versions/lifecycle.service';
import { errorJsonSchema, summaryListJsonSchema } from '../openapi/json-schemas';
import { LIFECYCLE_SERVICE, SERVING_LINEAGE_READER } from '../tokens';
import { endpointHistoryQuerySchema, endpointNameSchema, type EndpointHistoryQuery } from './schemas';

/** The activities' `describeServingLineage`, bound to a SageMaker client (a fake in tests). */
export type ServingLineageReader = (endpointName: string) => Promise<ServingLineage | null>;

@ApiTags('endpoints')
@ApiBearerAuth()
@Controller('endpoints')
export class EndpointsController {
  constructor(
    @Inject(SERVING_LINEAGE_READER) private readonly readLineage: ServingLineageReader,
    @Inject(LIFECYCLE_SERVICE) private readonly lifecycles: LifecycleService,
  ) {}

  @Get(':name')
  @RequireRoles(...READERS)
  @ApiOperation({
    summary: 'Which versions serve the endpoint, at which weights, trained on which data, approved by whom',
  })
  @ApiParam({ name: 'name', description: 'SageMaker endpoint name' })
  @ApiResponse({ status: 200, description: 'ServingLineage (see src/shared/activity-contracts.ts)' })
  @ApiResponse({ status: 404, schema: errorJsonSchema })
  async describe(@Param('name', new ZodPipe(endpointNameSchema)) name: string) {
    const lineage = await this.readLineage(name);
    if (!lineage) throw new NotFoundException(`no endpoint named "${name}"`);
    return lineage;
  }

  /**
   * Every lifecycle that targeted the endpoint, from Temporal visibility (the `EndpointName` search
   * attribute each lifecycle carries): the versions promoted onto it, rolled back from it, and those
   * still on their way. An endpoint no lifecycle has targeted has an empty history, not a 404.
   */
  @Get(':name/history')
  @RequireRoles(...READERS)
  @ApiOperation({
    summary: 'The lifecycles that targeted the endpoint (promoted, rolled back, in flight), newest first',
  })
  @ApiParam({ name: 'name', description: 'SageMaker endpoint name' })
  @ApiQuery({
    name: 'pageSize',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
  })
  @ApiQuery({ name: 'pageToken', required: false, description: 'nextPageToken of the previous page' })
  @ApiResponse({ status: 200, schema: summaryListJsonSchema })
  @ApiResponse({ status: 400, schema: errorJsonSchema })
  history(
    @Param('name', new ZodPipe(endpointNameSchema)) endpointName: string,
    @Query(new ZodPipe(endpointHistoryQuerySchema)) query: EndpointHistoryQuery,
  ) {
    return this.lifecycles.listWhere({ endpointName }, query.pageSize, query.pageToken);
  }
}
