import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { EnvironmentProviders, Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { Routes, provideRouter, withComponentInputBinding } from '@angular/router';
import { Connection, MeResponse, TokenResponse } from '@cost-optimizer/dto';
import { apiInterceptor } from '../app/core/http/api-interceptor';
import { Session } from '../app/core/auth/session';
import { TokenStore } from '../app/core/auth/token-store';

/**
 * The app's real HTTP stack (the one interceptor included) ending at HttpTestingController, a router
 * with the given routes, and Material without animations.
 */
export function provideTestApp(routes: Routes = []): (Provider | EnvironmentProviders)[] {
  return [
    provideRouter(routes, withComponentInputBinding()),
    provideHttpClient(withInterceptors([apiInterceptor])),
    provideHttpClientTesting(),
    { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
  ];
}

export const http = (): HttpTestingController => TestBed.inject(HttpTestingController);

export function tokens(access = 'access-1', refresh = 'refresh-token-000000000001'): TokenResponse {
  return { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: 900 };
}

export function signIn(access = 'access-1'): void {
  TestBed.inject(TokenStore).save(tokens(access));
}

export const IDS = {
  user: '11111111-1111-4111-8111-111111111111',
  tenant: '22222222-2222-4222-8222-222222222222',
  other: '33333333-3333-4333-8333-333333333333',
};

export function me(overrides: Partial<MeResponse> = {}): MeResponse {
  return {
    user: { id: IDS.user, email: 'ada@example.com', name: 'Ada Lovelace' },
    tenant: { id: IDS.tenant, name: 'Analytical Engines Ltd' },
    role: 'owner',
    is_global_owner: false,
    memberships: [{ tenant_id: IDS.tenant, tenant_name: 'Analytical Engines Ltd', role: 'owner' }],
    ...overrides,
  };
}

/** Signs in and primes the session as the shell would have. */
export function withSession(overrides: Partial<MeResponse> = {}): MeResponse {
  signIn();
  const value = me(overrides);
  TestBed.inject(Session).load().subscribe();
  http().expectOne('/api/auth/me').flush(value);
  return value;
}

export function errorBody(code: string, message: string, details?: unknown) {
  return { code, message, details, correlation_id: 'corr-123' };
}

export const EXTERNAL_ID = 'co-3f9a1c0d2b7e4a6f8c1d2e3f4a5b6c7d';

/** A tenant's AWS connection (not connected unless overridden). */
export function connection(overrides: Partial<Connection> = {}): Connection {
  return {
    status: 'not_connected',
    external_id: EXTERNAL_ID,
    platform_principal_arn: 'arn:aws:iam::111122223333:role/CostOptimizerPlatform',
    template_url: '/api/aws/cloudformation-template.yml',
    quick_create_url:
      'https://us-east-1.console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/create/review?param_ExternalId=' +
      EXTERNAL_ID,
    settings: null,
    cur_format: null,
    partition_keys: [],
    managed_results: null,
    last_verified_at: null,
    data_through: null,
    last_error: null,
    steps: [],
    in_progress: null,
    ...overrides,
  };
}
