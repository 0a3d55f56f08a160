import { DomainEvents } from './domain-events';

describe('DomainEvents', () => {
  it('runs listeners one after another in subscription order and resolves after the last one', async () => {
    const bus = new DomainEvents({ warn: () => undefined });
    const seen: string[] = [];
    bus.on('cur.sync_finished', 'slow', async ({ runId }) => {
      await new Promise((r) => setTimeout(r, 20));
      seen.push(`slow:${runId}`);
    });
    bus.on('cur.sync_finished', 'fast', ({ runId }) => {
      seen.push(`fast:${runId}`);
      return Promise.resolve();
    });
    await bus.emit('cur.sync_finished', { tenantId: 't1', runId: 'r1' });
    expect(seen).toEqual(['slow:r1', 'fast:r1']);
  });

  it('logs a failing listener with the event and its name, and still runs the next ones', async () => {
    const warnings: object[] = [];
    const bus = new DomainEvents({ warn: (m) => warnings.push(m) });
    const seen: number[] = [];
    bus.on('anomaly.detected', 'broken', () => Promise.reject(new Error('smtp down')));
    bus.on('anomaly.detected', 'next', ({ anomaliesOpen }) => {
      seen.push(anomaliesOpen);
      return Promise.resolve();
    });
    await expect(bus.emit('anomaly.detected', { tenantId: 't1', anomaliesOpen: 3 })).resolves.toBeUndefined();
    expect(seen).toEqual([3]);
    expect(warnings).toEqual([
      expect.objectContaining({
        msg: 'domain event listener failed',
        event: 'anomaly.detected',
        listener: 'broken',
        tenant_id: 't1',
        error: 'Error: smtp down',
      }),
    ]);
  });

  it('emits an event nobody listens to without effect', async () => {
    const bus = new DomainEvents({ warn: () => undefined });
    await expect(bus.emit('aws.connected', { tenantId: 't1' })).resolves.toBeUndefined();
  });
});
