import { bootstrapApplication } from '@angular/platform-browser';
import { z } from 'zod';
import { App } from './app/app';
import { appConfig } from './app/app.config';

// The Content-Security-Policy forbids eval: zod would otherwise probe `new Function` (a CSP violation report) before
// falling back to the interpreter it then uses anyway.
z.config({ jitless: true });

bootstrapApplication(App, appConfig).catch((err: unknown) => console.error(err));
