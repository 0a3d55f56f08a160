/**
 * The domain events modules tell each other about, with their payloads. A module that reacts to another one's
 * work listens here instead of being called by it: the emitter knows no listener, and no module reaches into
 * another's providers. Every listener runs in the emitter's async context (its tenant scope included).
 */
export interface DomainEventMap {
  /** A tenant's AWS connection was verified and saved (connect or re-verify). */
  'aws.connected': { tenantId: string };
  /** One CUR month of a sync run was loaded into cost_daily (and its rollup rebuilt). */
  'cur.month_loaded': { tenantId: string; runId: string; month: string; rows: number };
  /** A CUR sync run succeeded (after all its months); detection on the fresh data follows. */
  'cur.sync_finished': { tenantId: string; runId: string };
  /** A cost anomaly detection of a tenant committed (after a sync, or on demand). */
  'anomaly.detected': { tenantId: string; anomaliesOpen: number };
  /** A metric collection judged anomalous points of a tenant, their episodes committed. */
  'metric.point_anomalous': { tenantId: string; runId: string; anomalies: number };
}

export type DomainEventName = keyof DomainEventMap;
export type DomainEventListener<K extends DomainEventName> = (payload: DomainEventMap[K]) => Promise<void>;

/**
 * A small typed, in-process event bus. `emit` runs the listeners of an event one after another in the order they
 * subscribed and resolves when the last one has settled, so an emitter that awaits it keeps its ordering (the
 * sync run waits for detection, detection for the alerts it queues). A listener that fails is logged with the
 * event and its name; it never fails the emitter or stops the listeners after it.
 */
export class DomainEvents {
  private readonly listeners = new Map<
    DomainEventName,
    { name: string; run: (p: never) => Promise<void> }[]
  >();

  /** `logger`: where listener failures go (Nest's Logger in the app). */
  constructor(private readonly logger: { warn(message: object): void }) {}

  /** Subscribes `listener` (named for the log) to `event`; listeners subscribe once, when their module starts. */
  on<K extends DomainEventName>(event: K, name: string, listener: DomainEventListener<K>): void {
    const list = this.listeners.get(event) ?? [];
    list.push({ name, run: listener });
    this.listeners.set(event, list);
  }

  async emit<K extends DomainEventName>(event: K, payload: DomainEventMap[K]): Promise<void> {
    for (const l of this.listeners.get(event) ?? []) {
      try {
        await (l.run as DomainEventListener<K>)(payload);
      } catch (e) {
        this.logger.warn({
          msg: 'domain event listener failed',
          event,
          listener: l.name,
          tenant_id: payload.tenantId,
          error: String(e),
        });
      }
    }
  }
}
