import { Module } from '@nestjs/common';
import { ModelVersionsModule } from '../model-versions/model-versions.module';
import { EndpointsController } from './endpoints.controller';

@Module({ imports: [ModelVersionsModule], controllers: [EndpointsController] })
export class EndpointsModule {}
