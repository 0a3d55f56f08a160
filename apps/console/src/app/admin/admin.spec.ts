import { ComponentFixture, TestBed } from '@angular/core/testing';
import { HarnessLoader, manualChangeDetection } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatPaginatorHarness } from '@angular/material/paginator/testing';
import { MatTableHarness } from '@angular/material/table/testing';
import { AdminTenant, AdminTenantDetail as Detail } from '@cost-optimizer/dto';
import { IDS, http, provideTestApp } from '../../testing/test-providers';
import { AdminTenantDetail } from './admin-tenant-detail';
import { AdminTenants, SEARCH_DEBOUNCE_MS } from './admin-tenants';

function tenant(n: number): AdminTenant {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    name: `Tenant ${n}`,
    created_at: '2026-11-01T10:00:00.000Z',
    member_count: n,
    owner_emails: [`owner${n}@example.com`],
  };
}

const pageOf = (items: AdminTenant[], total: number, page: number, pageSize: number) => ({
  items,
  total,
  page,
  page_size: pageSize,
});

describe('AdminTenants', () => {
  let fixture: ComponentFixture<AdminTenants>;
  let loader: HarnessLoader;

  beforeEach(() => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: provideTestApp() });
    fixture = TestBed.createComponent(AdminTenants);
    loader = TestbedHarnessEnvironment.loader(fixture);
    TestBed.tick();
  });

  afterEach(() => {
    jest.useRealTimers();
    http().verify();
  });

  /** Answers the one pending page request and returns its query. */
  async function answer(
    items: AdminTenant[],
    total: number,
  ): Promise<{ page: string | null; page_size: string | null; q: string | null }> {
    TestBed.tick();
    const req = http().expectOne((r) => r.url === '/api/admin/tenants');
    const p = req.request.params;
    const query = { page: p.get('page'), page_size: p.get('page_size'), q: p.get('q') };
    req.flush(pageOf(items, total, Number(query.page), Number(query.page_size)));
    await fixture.whenStable();
    return query;
  }

  /**
   * Harness actions normally wait for the app to be stable, which it is not while a page request is
   * pending: run actions that start a request without that wait.
   */
  const act = (action: () => Promise<unknown>) => manualChangeDetection(action);

  async function names(): Promise<string[]> {
    const rows = await (await loader.getHarness(MatTableHarness)).getRows();
    return Promise.all(rows.map(async (r) => (await r.getCellTextByColumnName())['name']!.trim()));
  }

  it('loads the first page, then pages on the server', async () => {
    expect((fixture.nativeElement as HTMLElement).querySelector('mat-progress-bar')).not.toBeNull();
    expect(await answer([tenant(1), tenant(2)], 45)).toEqual({ page: '1', page_size: '20', q: null });
    expect(await names()).toEqual(['Tenant 1', 'Tenant 2']);

    const paginator = await loader.getHarness(MatPaginatorHarness);
    expect(await paginator.getRangeLabel()).toBe('1 – 20 of 45');
    await act(() => paginator.goToNextPage());
    expect(await answer([tenant(21)], 45)).toEqual({ page: '2', page_size: '20', q: null });
    expect(await names()).toEqual(['Tenant 21']);

    await act(() => paginator.setPageSize(50));
    const query = await answer([tenant(1)], 45);
    expect(query.page_size).toBe('50');
  });

  it('searches on the server and starts again from the first page', async () => {
    await answer([tenant(1)], 45);
    const paginator = await loader.getHarness(MatPaginatorHarness);
    await act(() => paginator.goToNextPage());
    await answer([tenant(21)], 45);

    jest.useFakeTimers();
    const search = await loader.getHarness(MatInputHarness.with({ selector: '[data-testid=admin-search]' }));
    await act(() => search.setValue('  engines '));
    jest.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
    jest.useRealTimers();

    expect(await answer([], 0)).toEqual({ page: '1', page_size: '20', q: 'engines' });
    const empty = (fixture.nativeElement as HTMLElement).querySelector('[data-testid=admin-empty]');
    expect(empty?.textContent?.trim()).toBe('No tenant matches “engines”.');
  });
});

describe('AdminTenantDetail', () => {
  it('shows one tenant with its members', async () => {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: provideTestApp() });
    const fixture = TestBed.createComponent(AdminTenantDetail);
    fixture.componentRef.setInput('id', IDS.tenant);
    TestBed.tick();

    const detail: Detail = {
      ...tenant(3),
      id: IDS.tenant,
      name: 'Analytical Engines Ltd',
      members: [
        {
          user_id: IDS.user,
          email: 'ada@example.com',
          name: 'Ada Lovelace',
          role: 'owner',
          joined_at: '2026-11-01T10:00:00.000Z',
        },
      ],
    };
    http().expectOne(`/api/admin/tenants/${IDS.tenant}`).flush(detail);
    // The detail renders, then its audit log asks for its first page.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r));
      TestBed.tick();
    }
    http()
      .expectOne(`/api/admin/tenants/${IDS.tenant}/audit-events?page=1&page_size=20`)
      .flush({
        items: [
          {
            id: IDS.other,
            at: '2026-11-25T03:00:00.000Z',
            action: 'tenant.renamed',
            actor: { user_id: IDS.user, email: 'ada@example.com' },
            target: { type: 'tenant', id: IDS.tenant },
            details: { from: 'Old', to: 'Analytical Engines Ltd' },
            ip: '203.0.113.7',
            correlation_id: 'c-1',
          },
        ],
        total: 1,
        page: 1,
        page_size: 20,
      });
    await fixture.whenStable();

    const el = fixture.nativeElement as HTMLElement;
    expect(el.querySelector('[data-testid=admin-tenant-name]')?.textContent?.trim()).toBe(
      'Analytical Engines Ltd',
    );
    const loader = TestbedHarnessEnvironment.loader(fixture);
    const rows = await (
      await loader.getHarness(MatTableHarness.with({ ancestor: 'app-member-table' }))
    ).getCellTextByIndex();
    expect(rows.map((r) => r.map((c) => c.trim()).slice(0, 2))).toEqual([
      ['Ada Lovelaceada@example.com', 'Owner'],
    ]);
    // The tenant's audit log, through the admin route.
    const audit = await (
      await loader.getHarness(MatTableHarness.with({ ancestor: '[data-testid=admin-audit-log]' }))
    ).getCellTextByIndex();
    expect(audit.map((r) => r.map((c) => c.trim()).slice(1, 3))).toEqual([
      ['ada@example.com', 'Company renamed'],
    ]);
    http().verify();
  });
});
