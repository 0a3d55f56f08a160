import { bootstrapApplication } from '@angular/platform-browser';
import { App } from './app/app';
import { appConfig } from './app/app.config';

// zod runs jitless (no eval under the Content-Security-Policy): see zod-config.ts, the polyfills bundle.

bootstrapApplication(App, appConfig).catch((err: unknown) => console.error(err));
