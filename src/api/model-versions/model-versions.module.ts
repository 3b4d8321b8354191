import { Module } from '@nestjs/common';
import { LIFECYCLE_SERVICE } from '../tokens';
import { LifecycleService } from './lifecycle.service';
import { ModelVersionsController } from './model-versions.controller';

@Module({
  controllers: [ModelVersionsController],
  providers: [{ provide: LIFECYCLE_SERVICE, useClass: LifecycleService }],
  exports: [LIFECYCLE_SERVICE],
})
export class ModelVersionsModule {}
