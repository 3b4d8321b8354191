import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireRoles } from '../auth/roles';
import { ZodPipe } from '../common/validation';
import { errorJsonSchema, sageMakerEventJsonSchema } from '../openapi/json-schemas';
import { SAGEMAKER_EVENTS_SERVICE } from '../tokens';
import type { SageMakerEventsService } from './sagemaker-events.service';
import { sageMakerStateChangeSchema, type SageMakerStateChange } from './sagemaker-event';

@ApiTags('events')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(@Inject(SAGEMAKER_EVENTS_SERVICE) private readonly events: SageMakerEventsService) {}

  @Post('sagemaker')
  @HttpCode(200)
  @RequireRoles('eventbridge')
  @ApiOperation({
    summary: 'EventBridge target for "SageMaker Model Package State Change"',
    description:
      "Role: eventbridge only. An approval or rejection made in SageMaker Studio becomes the approve/reject command of the lifecycle that owns the version, under the Studio user's identity mapped by STUDIO_IDENTITY_MAP and held to the approver rules (not the registrant, distinct approvers, deadline). A refused decision is answered `{refused: reason}`, notified, and the registry status is set back to the lifecycle's. Echoes of the workflow's own decision and versions no lifecycle manages are answered `{ignored: reason}`.",
  })
  @ApiBody({ schema: sageMakerEventJsonSchema })
  @ApiResponse({
    status: 200,
    description: '`{forwarded, id, by, studioUser, result}`, `{refused: reason, …}` or `{ignored: reason}`',
  })
  @ApiResponse({ status: 400, schema: errorJsonSchema })
  @ApiResponse({ status: 403, schema: errorJsonSchema })
  receive(@Body(new ZodPipe(sageMakerStateChangeSchema)) event: SageMakerStateChange) {
    return this.events.handle(event);
  }
}
