import { Module } from '@nestjs/common';
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
export class AnomalyModule {}
