import { Injectable, inject } from '@angular/core';
import {
  AddMetricPresetsResultSchema,
  MetricCollectionRunSchema,
  MetricCollectionSchema,
  MetricDiscoverPageSchema,
  MetricPointsSchema,
  MetricPresetListSchema,
  MetricWatchPageSchema,
  MetricWatchSchema,
  type AddMetricPresets,
  type CreateMetricWatch,
} from '@cost-optimizer/dto';
import { apiResource } from '../core/http/api-resource';
import { ApiClient, type QueryParams } from '../core/http/api-client';

const BASE = '/api/metric-watches';

/** CloudWatch metric watches: list, points, collection, discovery and presets. */
@Injectable({ providedIn: 'root' })
export class MetricsApi {
  private readonly api = inject(ApiClient);

  watches(params: () => QueryParams) {
    return apiResource(() => ({ url: BASE, params: params() }), MetricWatchPageSchema);
  }

  watch(id: () => string) {
    return apiResource(() => `${BASE}/${encodeURIComponent(id())}`, MetricWatchSchema);
  }

  points(id: () => string, range: () => { from: string; to: string }) {
    return apiResource(
      () => ({ url: `${BASE}/${encodeURIComponent(id())}/points`, params: range() }),
      MetricPointsSchema,
    );
  }

  collection() {
    return apiResource(() => `${BASE}/collection`, MetricCollectionSchema);
  }

  presets() {
    return apiResource(() => `${BASE}/presets`, MetricPresetListSchema);
  }

  collect() {
    return this.api.post(`${BASE}/collect`, {}, MetricCollectionRunSchema);
  }

  remove(id: string) {
    return this.api.send('DELETE', `${BASE}/${encodeURIComponent(id)}`);
  }

  discover(params: QueryParams) {
    return this.api.get(`${BASE}/discover`, MetricDiscoverPageSchema, { params });
  }

  create(body: CreateMetricWatch) {
    return this.api.post(BASE, body, MetricWatchSchema);
  }

  addPresets(body: AddMetricPresets) {
    return this.api.post(`${BASE}/presets`, body, AddMetricPresetsResultSchema);
  }
}
