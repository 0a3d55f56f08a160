import { Routes } from '@angular/router';
import { authGuard, globalOwnerGuard, guestGuard } from './core/auth/guards';

export const routes: Routes = [
  {
    path: 'login',
    title: 'Log in · Cost Optimizer',
    canActivate: [guestGuard],
    loadComponent: () => import('./auth/login').then((m) => m.Login),
  },
  {
    path: 'signup',
    title: 'Sign up · Cost Optimizer',
    canActivate: [guestGuard],
    loadComponent: () => import('./auth/signup').then((m) => m.Signup),
  },
  {
    // The link of a sign-up's verification email: creates the account and signs in.
    path: 'verify-email',
    title: 'Verify your email · Cost Optimizer',
    loadComponent: () => import('./auth/verify-email').then((m) => m.VerifyEmail),
  },
  {
    // The link of an invitation email: accept signed in, or log in / sign up with the invited email.
    path: 'invitation',
    title: 'Invitation · Cost Optimizer',
    loadComponent: () => import('./auth/invitation').then((m) => m.Invitation),
  },
  {
    // The link of an alert recipient's confirmation email: no session needed.
    path: 'confirm-alerts',
    title: 'Confirm alerts · Cost Optimizer',
    loadComponent: () => import('./alerts/confirm-alerts').then((m) => m.ConfirmAlerts),
  },
  {
    path: '',
    canActivate: [authGuard],
    loadComponent: () => import('./core/shell/shell').then((m) => m.Shell),
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'dashboard' },
      {
        path: 'dashboard',
        title: 'Dashboard · Cost Optimizer',
        loadComponent: () => import('./dashboard/dashboard').then((m) => m.Dashboard),
      },
      {
        path: 'costs',
        title: 'Cost Explorer · Cost Optimizer',
        loadComponent: () => import('./costs/cost-explorer').then((m) => m.CostExplorer),
      },
      {
        path: 'anomalies',
        title: 'Anomalies · Cost Optimizer',
        loadComponent: () => import('./anomalies/anomalies').then((m) => m.Anomalies),
      },
      {
        path: 'anomalies/:id',
        title: 'Anomaly · Cost Optimizer',
        loadComponent: () => import('./anomalies/anomaly-detail').then((m) => m.AnomalyDetail),
      },
      {
        path: 'metrics',
        title: 'Metrics · Cost Optimizer',
        loadComponent: () => import('./metrics/metrics').then((m) => m.Metrics),
      },
      {
        path: 'metrics/:id',
        title: 'Metric · Cost Optimizer',
        loadComponent: () => import('./metrics/metric-detail').then((m) => m.MetricDetail),
      },
      {
        path: 'connect-aws',
        title: 'Connect AWS · Cost Optimizer',
        loadComponent: () => import('./connect-aws/connect-aws').then((m) => m.ConnectAws),
      },
      {
        path: 'settings',
        title: 'Settings · Cost Optimizer',
        loadComponent: () => import('./settings/settings').then((m) => m.Settings),
      },
      {
        path: 'admin',
        canActivate: [globalOwnerGuard],
        loadChildren: () => import('./admin/admin.routes').then((m) => m.adminRoutes),
      },
    ],
  },
  { path: '**', redirectTo: 'dashboard' },
];
