import { Injectable, inject } from '@angular/core';
import { Router } from '@angular/router';
import { MatSnackBar } from '@angular/material/snack-bar';
import { LoginRequest, SignupCheckEmail, SignupRequest, TokenResponse } from '@cost-optimizer/dto';
import { EMPTY, Observable, catchError, finalize, map, of, shareReplay, tap, throwError } from 'rxjs';
import { AuthApi } from './auth-api';
import { Session } from './session';
import { TokenStore } from './token-store';

/** Sign up, log in, refresh and log out; the only writer of the tokens. */
@Injectable({ providedIn: 'root' })
export class Auth {
  private readonly api = inject(AuthApi);
  private readonly tokens = inject(TokenStore);
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  private readonly snackBar = inject(MatSnackBar);
  private refreshing: Observable<string> | null = null;

  readonly signedIn = this.tokens.signedIn;

  login(body: LoginRequest): Observable<TokenResponse> {
    return this.api.login(body).pipe(tap((t) => this.start(t)));
  }

  /**
   * Signs in with a new account; `check_email` (nothing starts) when the API verifies emails first (every sign-up) or,
   * without verification, when the email has an account already.
   */
  signup(body: SignupRequest): Observable<TokenResponse | SignupCheckEmail> {
    return this.api.signup(body).pipe(tap((t) => ('access_token' in t ? this.start(t) : undefined)));
  }

  /** The link of a verification email: creates the account and signs in. */
  verifyEmail(token: string): Observable<TokenResponse> {
    return this.api.verifyEmail(token).pipe(tap((t) => this.start(t)));
  }

  /**
   * A fresh access token after a 401. Concurrent callers share one refresh; a caller whose request
   * went out with a token that has since been replaced just gets the current one.
   */
  refreshAccessToken(staleToken: string | null): Observable<string> {
    const current = this.tokens.accessToken();
    if (current !== null && current !== staleToken) return of(current);
    if (this.refreshing) return this.refreshing;
    if (!this.tokens.signedIn()) return throwError(() => new Error('Not signed in'));
    // The refresh token travels in the API's httpOnly cookie (same origin), never through this code.
    this.refreshing = this.api.refresh().pipe(
      tap((t) => this.tokens.save(t)),
      map((t) => t.access_token),
      finalize(() => (this.refreshing = null)),
      shareReplay({ bufferSize: 1, refCount: false }),
    );
    return this.refreshing;
  }

  /** Revokes the refresh token (its cookie) on the server (best effort) and leaves for the login page. */
  logout(): void {
    const signedIn = this.tokens.signedIn();
    this.endLocally();
    void this.router.navigateByUrl('/login');
    if (!signedIn) return;
    this.api
      .logout()
      .pipe(catchError(() => EMPTY))
      .subscribe();
  }

  /** The session cannot be renewed: forget it and ask the user to log in again. */
  expire(): void {
    if (!this.tokens.signedIn()) return;
    this.endLocally();
    this.snackBar.open('Your session has ended. Please log in again.', 'Dismiss', { duration: 6000 });
    void this.router.navigateByUrl('/login');
  }

  private start(tokens: TokenResponse): void {
    this.session.clear();
    this.tokens.save(tokens);
  }

  private endLocally(): void {
    this.tokens.clear();
    this.session.clear();
  }
}
