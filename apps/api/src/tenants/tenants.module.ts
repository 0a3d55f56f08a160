import { Module } from '@nestjs/common';
import { AdminTenantsController, AdminUsersController } from './admin.controller';
import { InvitationsController, TenantsController } from './tenants.controller';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

@Module({
  controllers: [TenantsController, InvitationsController, AdminTenantsController, AdminUsersController],
  providers: [TenantsService, TenantsRepository],
  exports: [TenantsService],
})
export class TenantsModule {}
