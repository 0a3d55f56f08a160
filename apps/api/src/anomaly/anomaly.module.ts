import { Module, type OnModuleInit } from '@nestjs/common';
import { CostsService } from '../cur/costs.service';
import { CurModule } from '../cur/cur.module';
import { AnomalyController, AnomalyMonitorController } from './anomaly.controller';
import { AnomalyDetector } from './anomaly.detector';
import { AnomalyService } from './anomaly.service';
import { AnomalyEpisodes } from './anomaly-episodes';

@Module({
  imports: [CurModule],
  controllers: [AnomalyController, AnomalyMonitorController],
  providers: [AnomalyDetector, AnomalyService, AnomalyEpisodes],
  exports: [AnomalyDetector, AnomalyService, AnomalyEpisodes],
})
export class AnomalyModule implements OnModuleInit {
  constructor(
    private readonly costs: CostsService,
    private readonly anomalies: AnomalyService,
  ) {}

  /** The dashboard's open-anomalies count. */
  onModuleInit(): void {
    this.costs.setOpenAnomalyCounter((tenantId) => this.anomalies.countOpen(tenantId));
  }
}
