// Loaded as the console's polyfills bundle, before main and every chunk it imports.
// The Content-Security-Policy forbids eval, and zod decides when an object schema is *built* whether to compile a
// fast parser with `new Function` (probing eval: a CSP violation report). The contract's schemas are built as their
// chunks load, ahead of any code in main, so zod's config must exist before zod does: zod reads it from here.
const g = globalThis as { __zod_globalConfig?: Record<string, unknown> };
g.__zod_globalConfig = { ...g.__zod_globalConfig, jitless: true };

export {};
