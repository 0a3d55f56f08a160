import { HttpContext, HttpResourceRef, HttpResourceRequest, httpResource } from '@angular/common/http';
import { inject } from '@angular/core';
import { MatSnackBar } from '@angular/material/snack-bar';
import type { ZodType } from 'zod';
import { responseParser } from './api-client';
import { SILENT_ERRORS } from './api-error';

/** A GET the resource re-issues whenever the signals it reads change; `undefined`: nothing to load yet. */
export type ResourceRequest =
  | string
  | (Omit<HttpResourceRequest, 'context'> & {
      /** The page explains failures itself: no snackbar. */
      silent?: boolean;
    })
  | undefined;

/**
 * An httpResource whose value is the answer parsed with the contract's schema (ApiClient's rule for
 * resources). A mismatch puts the resource in its error state, so the page shows its "could not be
 * loaded" message, and is announced unless the request is silent. Call it in an injection context
 * (a data service method called from a component's field initializer).
 */
export function apiResource<T>(
  request: () => ResourceRequest,
  schema: ZodType<T>,
): HttpResourceRef<T | undefined> {
  const snackBar = inject(MatSnackBar);
  let silent = false;
  return httpResource<T>(
    () => {
      const r = request();
      if (r === undefined) return undefined;
      const { silent: quiet, ...rest } = typeof r === 'string' ? { url: r } : r;
      silent = quiet === true;
      return silent ? { ...rest, context: new HttpContext().set(SILENT_ERRORS, true) } : rest;
    },
    { parse: (raw) => responseParser(schema, silent ? null : snackBar)(raw) },
  );
}
