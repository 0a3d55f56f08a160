import { TestBed } from '@angular/core/testing';
import { HarnessLoader, manualChangeDetection } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { ComponentFixture } from '@angular/core/testing';
import { MatPaginatorHarness } from '@angular/material/paginator/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { MatTableHarness } from '@angular/material/table/testing';
import { AuditEvent, AuditEventPage } from '@cost-optimizer/dto';
import { IDS, http, provideTestApp } from '../../testing/test-providers';
import { AuditLog } from './audit-log';

const event = (overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  id: '44444444-4444-4444-8444-444444444444',
  at: '2026-11-25T03:00:00.000Z',
  action: 'member.role_changed',
  actor: { user_id: IDS.user, email: 'ada@example.com' },
  target: { type: 'user', id: IDS.other },
  details: { email: 'grace@example.com', from: 'viewer', to: 'admin' },
  ip: '203.0.113.7',
  correlation_id: 'c-1',
  ...overrides,
});
const page = (items: AuditEvent[], total = items.length, p = 1, size = 20): AuditEventPage => ({
  items,
  total,
  page: p,
  page_size: size,
});

describe('AuditLog', () => {
  let fixture: ComponentFixture<AuditLog>;
  let loader: HarnessLoader;

  function open(tenantId: string | null = null) {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: provideTestApp() });
    fixture = TestBed.createComponent(AuditLog);
    if (tenantId) fixture.componentRef.setInput('tenantId', tenantId);
    loader = TestbedHarnessEnvironment.loader(fixture);
    TestBed.tick();
  }

  afterEach(() => http().verify());

  const cells = async () =>
    (await (await loader.getHarness(MatTableHarness)).getCellTextByIndex()).map((r) =>
      r.map((c) => c.trim()),
    );

  it('lists who changed what, newest first as the API sends it', async () => {
    open();
    http()
      .expectOne('/api/audit-events?page=1&page_size=20')
      .flush(
        page([
          event(),
          event({
            id: '55555555-5555-4555-8555-555555555555',
            action: 'user.disabled',
            actor: { user_id: null, email: null },
            details: { email: 'grace@example.com' },
          }),
        ]),
      );
    await fixture.whenStable();
    const rows = await cells();
    expect(rows.map((r) => r.slice(1, 4))).toEqual([
      ['ada@example.com', 'Role changed', 'grace@example.com'],
      ['platform', 'Account disabled', 'grace@example.com'],
    ]);
    expect(rows[0]![4]).toContain('"to": "admin"');
  });

  it('filters by action and pages, asking the API each time', async () => {
    open();
    http()
      .expectOne('/api/audit-events?page=1&page_size=20')
      .flush(page([event()], 45));
    await fixture.whenStable();

    const paginator = await loader.getHarness(MatPaginatorHarness);
    await manualChangeDetection(() => paginator.goToNextPage());
    TestBed.tick();
    http()
      .expectOne('/api/audit-events?page=2&page_size=20')
      .flush(page([event()], 45, 2));
    await fixture.whenStable();

    const select = await loader.getHarness(
      MatSelectHarness.with({ selector: '[data-testid=audit-action-filter]' }),
    );
    await select.open();
    await manualChangeDetection(() => select.clickOptions({ text: 'Member added' }));
    TestBed.tick();
    http()
      .expectOne('/api/audit-events?page=1&page_size=20&action=member.added')
      .flush(
        page([event({ action: 'member.added', details: { email: 'grace@example.com', role: 'viewer' } })]),
      );
    await fixture.whenStable();
    expect((await cells())[0]![2]).toBe('Member added');
  });

  it('says so when nothing is recorded, and offers a retry on errors', async () => {
    open();
    http().expectOne('/api/audit-events?page=1&page_size=20').flush(page([]));
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid=audit-empty]')?.textContent?.trim()).toBe('Nothing recorded yet.');
  });

  it('reads any tenant through the admin route when given a tenant id', async () => {
    open(IDS.tenant);
    http()
      .expectOne(`/api/admin/tenants/${IDS.tenant}/audit-events?page=1&page_size=20`)
      .flush(
        { code: 'FORBIDDEN', message: 'no', correlation_id: 'x' },
        { status: 403, statusText: 'Forbidden' },
      );
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[role=alert]')?.textContent).toContain('could not be loaded');
  });
});
