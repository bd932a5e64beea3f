// CloudWatch metrics as Embedded Metric Format lines (Powertools Metrics): no PutMetricData calls.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CycleSummary } from '../model';
import { SERVICE_NAME } from './logger';

export const METRICS_NAMESPACE = 'ImageUpdater';

/**
 * One EMF record per cycle, with the summary's counters as metrics. A dry run's updates are
 * `ImagesWouldUpdate`, so that `ImagesUpdated` only ever counts images actually written.
 */
export function publishCycleMetrics(summary: CycleSummary, dimensions: Record<string, string>): void {
  const metrics = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  });
  metrics.addDimensions(dimensions);
  metrics.addMetric('Applications', MetricUnit.Count, summary.applications);
  metrics.addMetric('ImagesConsidered', MetricUnit.Count, summary.imagesConsidered);
  metrics.addMetric(summary.dryRun ? 'ImagesWouldUpdate' : 'ImagesUpdated', MetricUnit.Count, summary.imagesUpdated);
  metrics.addMetric('ImagesReverted', MetricUnit.Count, summary.imagesReverted);
  metrics.addMetric('ImagesSkipped', MetricUnit.Count, summary.imagesSkipped);
  metrics.addMetric('Errors', MetricUnit.Count, summary.errors);
  metrics.addMetric('ApplicationsNotReached', MetricUnit.Count, summary.notReached.length);
  metrics.addMetric('RegistryRequests', MetricUnit.Count, summary.registryRequests);
  metrics.addMetric('CycleDuration', MetricUnit.Milliseconds, summary.durationMs);
  metrics.publishStoredMetrics();
}
