import { Global, Module } from '@nestjs/common';
import { CallerCache } from './caller-cache';

/** The replica's CallerCache, for the JWT guard and the scope interceptor. */
@Global()
@Module({ providers: [CallerCache], exports: [CallerCache] })
export class CallerModule {}
