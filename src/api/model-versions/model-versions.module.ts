import { Module } from '@nestjs/common';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { LIFECYCLE_SERVICE, WITHDRAWAL_SERVICE } from '../tokens';
import { LifecycleService } from './lifecycle.service';
import { ModelVersionsController } from './model-versions.controller';
import { WithdrawalService } from './withdrawal.service';

@Module({
  imports: [EndpointsModule],
  controllers: [ModelVersionsController],
  providers: [
    { provide: LIFECYCLE_SERVICE, useClass: LifecycleService },
    { provide: WITHDRAWAL_SERVICE, useClass: WithdrawalService },
  ],
  exports: [LIFECYCLE_SERVICE, WITHDRAWAL_SERVICE],
})
export class ModelVersionsModule {}
