import { Module } from '@nestjs/common';
import { MetricLinks } from './metric-links';
import { MetricPointStore } from './metric-point-store';
import { MetricsRepository } from './metrics.repository';

/**
 * The read side of metric watches and points, with no dependency on other feature modules: the anomaly module
 * imports it for MetricLinks (so the anomaly module needs nothing of MetricsModule, which imports the anomaly
 * module for its episode store), and MetricsModule shares its one points pool and repository.
 */
@Module({
  providers: [MetricsRepository, MetricPointStore, MetricLinks],
  exports: [MetricsRepository, MetricPointStore, MetricLinks],
})
export class MetricLinksModule {}
