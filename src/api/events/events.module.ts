import { Module } from '@nestjs/common';
import { ModelVersionsModule } from '../model-versions/model-versions.module';
import { SAGEMAKER_EVENTS_SERVICE } from '../tokens';
import { EventsController } from './events.controller';
import { SageMakerEventsService } from './sagemaker-events.service';

@Module({
  imports: [ModelVersionsModule],
  controllers: [EventsController],
  providers: [{ provide: SAGEMAKER_EVENTS_SERVICE, useClass: SageMakerEventsService }],
})
export class EventsModule {}
