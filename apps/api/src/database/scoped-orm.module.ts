import { Global, Module } from '@nestjs/common';
import { EntityManager as CoreEntityManager } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';

/**
 * The ORM runs with ScopedEntityManager (scoped-driver.ts); @mikro-orm/nestjs provides it under its own class and
 * core's EntityManager. Services inject the PostgreSQL EntityManager: the same instance, under that token too.
 */
@Global()
@Module({
  providers: [{ provide: EntityManager, useExisting: CoreEntityManager }],
  exports: [EntityManager],
})
export class ScopedOrmModule {}
