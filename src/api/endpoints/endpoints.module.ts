import { Module } from '@nestjs/common';
import { REVERT_SERVICE } from '../tokens';
import { EndpointsController } from './endpoints.controller';
import { RevertService } from './revert.service';

@Module({
  controllers: [EndpointsController],
  providers: [{ provide: REVERT_SERVICE, useClass: RevertService }],
  exports: [REVERT_SERVICE],
})
export class EndpointsModule {}
