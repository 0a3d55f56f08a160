import { TestBed } from '@angular/core/testing';
import { TokenResponseSchema } from '@cost-optimizer/dto';
import { firstValueFrom } from 'rxjs';
import { http, provideTestApp, tokens } from '../../../testing/test-providers';
import { ApiClient } from './api-client';
import { ResponseShapeError, describeError } from './api-error';

describe('ApiClient', () => {
  beforeEach(() => TestBed.configureTestingModule({ providers: [provideTestApp()] }));

  it('returns the parsed answer', async () => {
    const answer = firstValueFrom(TestBed.inject(ApiClient).post('/api/auth/login', {}, TokenResponseSchema));
    http().expectOne('/api/auth/login').flush(tokens());
    expect(await answer).toEqual(tokens());
  });

  it('turns an answer that breaks the contract into a ResponseShapeError that reads well', async () => {
    const answer = firstValueFrom(
      TestBed.inject(ApiClient).post('/api/auth/login', {}, TokenResponseSchema, { silent: true }),
    );
    http()
      .expectOne('/api/auth/login')
      .flush({ ...tokens(), expires_in: 'soon' });
    const err: unknown = await answer.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseShapeError);
    expect(describeError(err)).toMatch(
      /^The server's answer was not in the expected format \(expires_in: .+\)/,
    );
  });
});
