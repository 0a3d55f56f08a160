import { Module } from '@nestjs/common';
import { AwsConnectionModule } from '../aws-connection/aws-connection.module';
import { CostStore } from './cost-store';
import { CostsService } from './costs.service';
import { CostsController, CurController } from './cur.controller';
import { CurSyncService } from './cur-sync.service';
import { CurWorker } from './cur-worker';

@Module({
  imports: [AwsConnectionModule],
  controllers: [CurController, CostsController],
  providers: [CostStore, CostsService, CurSyncService, CurWorker],
  exports: [CostStore, CostsService, CurSyncService],
})
export class CurModule {}
