import { Injectable, computed, inject, signal } from '@angular/core';
import { MeResponse } from '@cost-optimizer/dto';
import { AuthApi } from './auth-api';
import { Observable, finalize, of, shareReplay, tap } from 'rxjs';

/** Who is signed in, in which tenant, with which role (GET /api/auth/me), loaded once and shared. */
@Injectable({ providedIn: 'root' })
export class Session {
  private readonly api = inject(AuthApi);
  private readonly current = signal<MeResponse | undefined>(undefined);
  private inflight: Observable<MeResponse> | null = null;

  readonly me = this.current.asReadonly();
  readonly role = computed(() => this.current()?.role);
  readonly canManage = computed(() => {
    const role = this.role();
    return role === 'owner' || role === 'admin';
  });
  readonly isGlobalOwner = computed(() => this.current()?.is_global_owner === true);

  load(force = false): Observable<MeResponse> {
    const me = this.current();
    if (me && !force) return of(me);
    this.inflight ??= this.api.me().pipe(
      tap((loaded) => this.current.set(loaded)),
      finalize(() => (this.inflight = null)),
      shareReplay({ bufferSize: 1, refCount: false }),
    );
    return this.inflight;
  }

  /** Reflects a rename of the current tenant without another round trip. */
  renameTenant(name: string): void {
    this.current.update((me) => (me ? { ...me, tenant: { ...me.tenant, name } } : me));
  }

  clear(): void {
    this.current.set(undefined);
  }
}
