import { Module } from '@nestjs/common';
import { AwsConnectionModule } from '../aws-connection/aws-connection.module';
import { CostStore } from './cost-store';
import { CostsService } from './costs.service';
import { CostsController, CurController } from './cur.controller';
import { CurAthena } from './cur-athena';
import { CurMonthLoader } from './cur-month-loader';
import { CurMonthPlanner } from './cur-month-planner';
import { CurMonthRepository } from './cur-month.repository';
import { CurSyncService } from './cur-sync.service';
import { CurWorker } from './cur-worker';
import { SyncRunRepository } from './sync-run.repository';

@Module({
  imports: [AwsConnectionModule],
  controllers: [CurController, CostsController],
  providers: [
    CostStore,
    CostsService,
    SyncRunRepository,
    CurMonthRepository,
    CurAthena,
    CurMonthPlanner,
    CurMonthLoader,
    CurSyncService,
    CurWorker,
  ],
  exports: [CostStore, CostsService, CurSyncService],
})
export class CurModule {}
