import { HttpErrorResponse, HttpInterceptorFn, HttpRequest } from '@angular/common/http';
import { inject } from '@angular/core';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Observable, catchError, switchMap, throwError } from 'rxjs';
import { Auth } from '../auth/auth';
import { TokenStore } from '../auth/token-store';
import { SILENT_ERRORS, apiError, describeError } from './api-error';

/** Endpoints that take no bearer token and whose 401 means "wrong credentials", not "expired". */
const PUBLIC_ENDPOINTS = ['/api/auth/login', '/api/auth/signup', '/api/auth/refresh', '/api/auth/logout'];

const isUnauthorized = (err: unknown): boolean => err instanceof HttpErrorResponse && err.status === 401;

/**
 * The one HTTP interceptor: adds the bearer token to /api calls, on a 401 refreshes once (shared by
 * concurrent requests) and retries, else ends the session; announces every other server error in a
 * snackbar with its correlation id.
 */
export const apiInterceptor: HttpInterceptorFn = (req, next) => {
  if (!req.url.startsWith('/api/')) return next(req);
  const auth = inject(Auth);
  const tokens = inject(TokenStore);
  const snackBar = inject(MatSnackBar);
  const isPublic = PUBLIC_ENDPOINTS.includes(req.url);

  const send = (token: string | null) =>
    next(token === null ? req : req.clone({ setHeaders: { Authorization: `Bearer ${token}` } }));

  const announce = (err: unknown, request: HttpRequest<unknown>): Observable<never> => {
    if (!request.context.get(SILENT_ERRORS)) {
      let message = describeError(err);
      const retryAfter = err instanceof HttpErrorResponse ? err.headers.get('Retry-After') : null;
      if (apiError(err)?.code === 'RATE_LIMITED' && retryAfter) message += ` Try again in ${retryAfter} s.`;
      snackBar.open(message, 'Dismiss', { duration: 8000 });
    }
    return throwError(() => err);
  };

  const sentWith = isPublic ? null : tokens.accessToken();
  return send(sentWith).pipe(
    catchError((err: unknown) => {
      if (isPublic || !isUnauthorized(err)) return announce(err, req);
      return auth.refreshAccessToken(sentWith).pipe(
        catchError(() => {
          auth.expire();
          return throwError(() => err);
        }),
        switchMap((token) =>
          send(token).pipe(
            catchError((retryErr: unknown) => {
              if (!isUnauthorized(retryErr)) return announce(retryErr, req);
              auth.expire();
              return throwError(() => retryErr);
            }),
          ),
        ),
      );
    }),
  );
};
