// Billing as router queries and form actions (server halves in billing.server.ts).
import { action, query } from '@solidjs/router';
import { loadBilling, openPortal, startCheckout, switchLocalPlan } from './billing.server';

export type { BillingPage, BillingPlan, OrganizationSubscription, OrganizationUsage } from './billing.server';

export const getBilling = query(loadBilling, 'billing');
export const checkoutAction = action(startCheckout, 'billing-checkout');
export const portalAction = action(openPortal, 'billing-portal');
export const localPlanAction = action(switchLocalPlan, 'billing-local-plan');
