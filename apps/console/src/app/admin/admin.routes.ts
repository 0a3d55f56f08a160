import { Routes } from '@angular/router';

export const adminRoutes: Routes = [
  {
    path: '',
    title: 'Admin · Cost Optimizer',
    loadComponent: () => import('./admin-tenants').then((m) => m.AdminTenants),
  },
  {
    path: 'tenants/:id',
    title: 'Tenant · Admin · Cost Optimizer',
    loadComponent: () => import('./admin-tenant-detail').then((m) => m.AdminTenantDetail),
  },
  {
    path: 'tenants/:id/connect-aws',
    title: 'Connect AWS · Admin · Cost Optimizer',
    loadComponent: () => import('../connect-aws/connect-aws').then((m) => m.ConnectAws),
  },
];
