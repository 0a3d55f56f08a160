import { HttpClient, HttpContext } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { MatSnackBar } from '@angular/material/snack-bar';
import type { ZodType } from 'zod';
import { Observable, map } from 'rxjs';
import { ResponseShapeError, SILENT_ERRORS } from './api-error';

export type QueryParams = Record<string, string | number | boolean | readonly (string | number | boolean)[]>;

export interface CallOptions {
  params?: QueryParams;
  /** The caller explains failures itself: neither the interceptor nor this client shows a snackbar. */
  silent?: boolean;
}

/**
 * The one way the console's data services (`*-api.ts`) talk to the API: every answer is parsed with
 * the contract's zod schema, never cast. An answer that does not match becomes a ResponseShapeError
 * (announced like a server error, unless the caller explains errors itself) instead of bad data
 * flowing into the page. Resources (signals that reload) come from `apiResource` (api-resource.ts), kept
 * apart so that httpResource stays out of the initial bundle.
 */
@Injectable({ providedIn: 'root' })
export class ApiClient {
  private readonly http = inject(HttpClient);
  private readonly snackBar = inject(MatSnackBar);

  get<T>(url: string, schema: ZodType<T>, opts: CallOptions = {}): Observable<T> {
    return this.http.get<unknown>(url, this.options(opts)).pipe(map(this.parser(schema, opts.silent)));
  }

  post<T>(url: string, body: unknown, schema: ZodType<T>, opts: CallOptions = {}): Observable<T> {
    return this.http.post<unknown>(url, body, this.options(opts)).pipe(map(this.parser(schema, opts.silent)));
  }

  patch<T>(url: string, body: unknown, schema: ZodType<T>, opts: CallOptions = {}): Observable<T> {
    return this.http
      .patch<unknown>(url, body, this.options(opts))
      .pipe(map(this.parser(schema, opts.silent)));
  }

  /** A request whose answer carries nothing the console reads (204 or an ignored body). */
  send(
    method: 'POST' | 'DELETE',
    url: string,
    body: unknown = null,
    opts: CallOptions = {},
  ): Observable<void> {
    return this.http
      .request<unknown>(method, url, { ...this.options(opts), body })
      .pipe(map(() => undefined));
  }

  private options(opts: CallOptions): { params?: CallOptions['params']; context?: HttpContext } {
    return {
      ...(opts.params ? { params: opts.params } : {}),
      ...(opts.silent ? { context: new HttpContext().set(SILENT_ERRORS, true) } : {}),
    };
  }

  private parser<T>(schema: ZodType<T>, silent = false): (raw: unknown) => T {
    return responseParser(schema, silent ? null : this.snackBar);
  }
}

/** Parses an answer with the contract's schema; a mismatch throws a ResponseShapeError, announced unless `snackBar` is null. */
export function responseParser<T>(schema: ZodType<T>, snackBar: MatSnackBar | null): (raw: unknown) => T {
  return (raw) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    const error = new ResponseShapeError(`${where}${first?.message ?? 'unexpected answer'}`);
    snackBar?.open(error.message, 'Dismiss', { duration: 8000 });
    throw error;
  };
}
