import { Module } from '@nestjs/common';
import { MetricLinksModule } from '../metrics/metric-links.module';
import { AnomalyController, AnomalyMonitorController } from './anomaly.controller';
import { AnomalyDetector } from './anomaly.detector';
import { AnomalyService } from './anomaly.service';
import { AnomalyEpisodes } from './anomaly-episodes';

/**
 * Cost detection (listens to `cur.sync_finished`, emits `anomaly.detected`) and the one owner of anomaly rows;
 * MetricsModule writes its metric episodes through the exported AnomalyEpisodes.
 */
@Module({
  imports: [MetricLinksModule],
  controllers: [AnomalyController, AnomalyMonitorController],
  providers: [AnomalyDetector, AnomalyService, AnomalyEpisodes],
  exports: [AnomalyService, AnomalyEpisodes],
})
export class AnomalyModule {}
