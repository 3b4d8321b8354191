import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ServingLineage } from '../../shared/activity-contracts';
import { READERS, RequireRoles } from '../auth/roles';
import { ZodPipe } from '../common/validation';
import { errorJsonSchema } from '../openapi/json-schemas';
import { SERVING_LINEAGE_READER } from '../tokens';
import { endpointNameSchema } from './schemas';

/** The activities' `describeServingLineage`, bound to a SageMaker client (a fake in tests). */
export type ServingLineageReader = (endpointName: string) => Promise<ServingLineage | null>;

@ApiTags('endpoints')
@ApiBearerAuth()
@Controller('endpoints')
export class EndpointsController {
  constructor(@Inject(SERVING_LINEAGE_READER) private readonly readLineage: ServingLineageReader) {}

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
}
