import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { catchError, map, of } from 'rxjs';
import { Session } from './session';
import { TokenStore } from './token-store';

/** Pages behind the login: without a session, go to /login and come back afterwards. */
export const authGuard: CanActivateFn = (_route, state) => {
  if (inject(TokenStore).signedIn()) return true;
  return inject(Router).createUrlTree(['/login'], { queryParams: { returnUrl: state.url } });
};

/** Login and signup: someone already signed in goes to the dashboard. */
export const guestGuard: CanActivateFn = () =>
  inject(TokenStore).signedIn() ? inject(Router).createUrlTree(['/dashboard']) : true;

/** The admin area: only global owners (the API enforces it too). */
export const globalOwnerGuard: CanActivateFn = () => {
  const router = inject(Router);
  return inject(Session)
    .load()
    .pipe(
      map((me) => (me.is_global_owner ? true : router.createUrlTree(['/dashboard']))),
      catchError(() => of(false)),
    );
};
