import { Global, Logger, Module } from '@nestjs/common';
import { DomainEvents } from './domain-events';

/** Global: every module may emit and listen to the typed domain events (one bus per process). */
@Global()
@Module({
  providers: [{ provide: DomainEvents, useFactory: () => new DomainEvents(new Logger('DomainEvents')) }],
  exports: [DomainEvents],
})
export class EventsModule {}
