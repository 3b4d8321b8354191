import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireRoles } from '../auth/roles';
import { parseOrBadRequest } from '../common/validation';
import { errorJsonSchema, sageMakerEventJsonSchema } from '../openapi/json-schemas';
import { SAGEMAKER_EVENTS_SERVICE } from '../tokens';
import type { SageMakerEventsService } from './sagemaker-events.service';
import { sageMakerStateChangeSchema } from './sagemaker-event';

@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(@Inject(SAGEMAKER_EVENTS_SERVICE) private readonly events: SageMakerEventsService) {}

  @Post('sagemaker')
  @HttpCode(200)
  @RequireRoles('eventbridge', 'operator')
  @ApiOperation({
    summary: 'EventBridge target for "SageMaker Model Package State Change"',
    description:
      "An approval or rejection made in SageMaker Studio becomes the approve/reject command of the lifecycle that owns the version (actor `sagemaker-studio:<user>`). Echoes of the workflow's own decision and versions no lifecycle manages are answered `{ignored: reason}`.",
  })
  @ApiBody({ schema: sageMakerEventJsonSchema })
  @ApiResponse({ status: 200, description: '`{forwarded, id, by, result}` or `{ignored: reason}`' })
  @ApiResponse({ status: 400, schema: errorJsonSchema })
  @ApiResponse({ status: 403, schema: errorJsonSchema })
  @ApiResponse({ status: 409, schema: errorJsonSchema, description: 'The decision no longer fits the stage' })
  receive(@Body() body: unknown) {
    return this.events.handle(parseOrBadRequest(sageMakerStateChangeSchema, body));
  }
}
