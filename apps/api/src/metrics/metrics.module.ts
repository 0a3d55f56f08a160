import { Module } from '@nestjs/common';
import { AnomalyModule } from '../anomaly/anomaly.module';
import { AwsConnectionModule } from '../aws-connection/aws-connection.module';
import { MetricCollector } from './metric-collector';
import { MetricDetection } from './metric-detection';
import { MetricFetcher } from './metric-fetcher';
import { MetricRuns } from './metric-runs';
import { MetricLinksModule } from './metric-links.module';
import { MetricsController } from './metrics.controller';
import { MetricsScheduler } from './metrics.scheduler';
import { MetricsService } from './metrics.service';
import { TenantAws } from './tenant-aws';

@Module({
  imports: [AwsConnectionModule, AnomalyModule, MetricLinksModule],
  controllers: [MetricsController],
  providers: [
    MetricsService,
    MetricRuns,
    MetricFetcher,
    MetricDetection,
    MetricCollector,
    MetricsScheduler,
    TenantAws,
  ],
  exports: [MetricsService],
})
export class MetricsModule {}
