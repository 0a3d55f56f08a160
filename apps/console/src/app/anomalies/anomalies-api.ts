import { Injectable, inject } from '@angular/core';
import {
  AnomalyDetailSchema,
  AnomalyMonitorListSchema,
  AnomalyMonitorSchema,
  AnomalyPageSchema,
  AnomalySchema,
  BacktestSchema,
  DetectResultSchema,
  type AnomalyFeedbackBody,
  type CreateAnomalyMonitor,
} from '@cost-optimizer/dto';
import { apiResource } from '../core/http/api-resource';
import { ApiClient, type QueryParams } from '../core/http/api-client';

/** Anomalies, their feedback and detection, and the monitors that find them. */
@Injectable({ providedIn: 'root' })
export class AnomaliesApi {
  private readonly api = inject(ApiClient);

  anomalies(params: () => QueryParams) {
    return apiResource(() => ({ url: '/api/anomalies', params: params() }), AnomalyPageSchema);
  }

  anomaly(id: () => string) {
    return apiResource(() => `/api/anomalies/${encodeURIComponent(id())}`, AnomalyDetailSchema);
  }

  feedback(id: string, body: AnomalyFeedbackBody) {
    return this.api.post(`/api/anomalies/${encodeURIComponent(id)}/feedback`, body, AnomalySchema);
  }

  detect() {
    return this.api.post('/api/anomalies/detect', {}, DetectResultSchema);
  }

  /** `undefined` from `query`: no backtest asked for yet. */
  backtest(query: () => { monitor: string; days: number } | undefined) {
    return apiResource(() => {
      const q = query();
      return q ? { url: '/api/anomalies/backtest', params: q } : undefined;
    }, BacktestSchema);
  }

  monitors() {
    return apiResource(() => '/api/anomaly-monitors', AnomalyMonitorListSchema);
  }

  createMonitor(body: CreateAnomalyMonitor) {
    return this.api.post('/api/anomaly-monitors', body, AnomalyMonitorSchema);
  }

  setMonitorEnabled(id: string, enabled: boolean) {
    return this.api.patch(
      `/api/anomaly-monitors/${encodeURIComponent(id)}`,
      { enabled },
      AnomalyMonitorSchema,
    );
  }

  deleteMonitor(id: string) {
    return this.api.send('DELETE', `/api/anomaly-monitors/${encodeURIComponent(id)}`);
  }
}
