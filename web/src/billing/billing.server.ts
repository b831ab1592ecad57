'use server';
// Server half of billing.ts: reads the organization's plans, subscription and usage from the API
// and starts Checkout / the Billing Portal / a LOCAL MODE plan switch. Runs only on the web server.
import { redirect } from '@solidjs/router';
import { z } from 'zod';
import { LocalPlanInput, PlanIdSchema } from '@roomcast/schema/api';
import type * as Shapes from '@roomcast/schema/api';
import { loadMeOrLogin } from '~/account/session.server';
import { api, apiPath, ApiRequestError, IgnoredBody } from '~/server/api';
import { PlanListResponse, RedirectResponse, SubscriptionResponse, UsageResponse } from '~/server/api-responses';
import { failure, field, parseForm } from '~/server/forms';

export type BillingPlan = z.infer<typeof Shapes.BillingPlan>;
export type OrganizationSubscription = z.infer<typeof Shapes.OrganizationSubscription>;
export type OrganizationUsage = z.infer<typeof Shapes.OrganizationUsage>;

export interface BillingPage {
  organization: { id: string; slug: string; name: string; role: string | undefined };
  mode: 'stripe' | 'local';
  plans: BillingPlan[];
  /** null when the caller's role may not see billing (owners and admins only). */
  subscription: OrganizationSubscription | null;
  usage: OrganizationUsage | null;
}

export async function loadBilling(orgSlug: string): Promise<BillingPage> {
  const me = await loadMeOrLogin(`/app/${orgSlug}/billing`);
  const org = me.organizations.find((o) => o.slug === orgSlug);
  if (!org) throw redirect('/app');
  const forbiddenToNull = (error: unknown) => {
    if (error instanceof ApiRequestError && error.status === 403) return null;
    throw error;
  };
  const [planList, subscription, usage] = await Promise.all([
    api.get('/subscriptions/plans', PlanListResponse),
    api.get(`/organizations/${org.id}/subscription`, SubscriptionResponse).catch(forbiddenToNull),
    api.get(`/organizations/${org.id}/usage`, UsageResponse).catch(forbiddenToNull),
  ]);
  return {
    organization: { id: org.id, slug: org.slug, name: org.name, role: org.role },
    mode: planList.mode,
    plans: planList.plans,
    subscription,
    usage,
  };
}

const billingPath = (form: FormData) => `/app/${String(form.get('orgSlug') ?? '')}/billing`;

/** Starts Stripe Checkout and sends the browser there. */
export async function startCheckout(form: FormData) {
  let url: string;
  try {
    const { plan } = parseForm(z.object({ plan: PlanIdSchema }), { plan: field(form, 'plan') });
    ({ url } = await api.post('/subscriptions', RedirectResponse, { organizationId: field(form, 'organizationId'), plan, returnPath: billingPath(form) }));
  } catch (error) {
    return failure(error);
  }
  throw redirect(url);
}

/** Opens the Stripe Billing Portal (payment method, invoices, plan changes, cancelation). */
export async function openPortal(form: FormData) {
  let url: string;
  try {
    ({ url } = await api.post('/subscriptions/portal', RedirectResponse, { organizationId: field(form, 'organizationId'), returnPath: billingPath(form) }));
  } catch (error) {
    return failure(error);
  }
  throw redirect(url);
}

/** LOCAL MODE only: the owner switches the plan directly. */
export async function switchLocalPlan(form: FormData) {
  try {
    const input = parseForm(LocalPlanInput, { plan: field(form, 'plan') });
    await api.post(apiPath`/organizations/${form.get('organizationId')}/subscription/local-plan`, IgnoredBody, input);
    return { ok: true as const };
  } catch (error) {
    return failure(error);
  }
}
