// Billing REST shapes: plans with prices, checkout and portal sessions, the organization's
// subscription and its usage for the current period.
import { z } from 'zod';

export const Plan = z.object({
  id: z.string(),
  name: z.string(),
  priceCents: z.number().nullable(),
  limits: z.object({
    workspaces: z.number().nullable(),
    rooms: z.number().nullable(),
    hosts: z.number().nullable(),
    viewersPerRoom: z.number().nullable(),
    storageBytes: z.number(),
  }),
  features: z.object({ recording: z.boolean(), sso: z.boolean(), apiAccess: z.boolean() }),
});

export const PlanIdSchema = z.enum(['starter', 'professional', 'business', 'enterprise']);
/** `local`: no Stripe keys (local runs only); an owner switches plans directly. */
export const BillingMode = z.enum(['stripe', 'local']);
export const SubscriptionStatus = z.enum(['trialing', 'active', 'past_due', 'canceled']);
/** The limits the subscription and usage responses report, by the name used in `plan_limit` errors. */
export const UsageLimitName = z.enum(['workspaces', 'rooms', 'hosts', 'viewers_per_room', 'storage']);

export const BillingPlan = Plan.extend({
  /** True when this plan can be bought through Stripe Checkout right now. */
  checkout: z.boolean(),
});
export const PlanList = z.object({ mode: BillingMode, plans: z.array(BillingPlan) });

/** A path on the web app to come back to from Stripe, e.g. `/app/acme/billing`. */
const returnPath = z
  .string()
  .max(300)
  .regex(/^\/(?!\/)[\w\-./?=&%]*$/, 'a path on this site, starting with one /');

export const CreateCheckoutInput = z.object({
  organizationId: z.uuid(),
  plan: PlanIdSchema,
  returnPath: returnPath.optional(),
});
export const CreatePortalInput = z.object({ organizationId: z.uuid(), returnPath: returnPath.optional() });
export const RedirectUrl = z.object({ url: z.string() });

export const LimitUsage = z.object({
  limit: UsageLimitName,
  /** null: unlimited. */
  max: z.number().nullable(),
  /** null: not counted here (viewers are counted live by each room). */
  current: z.number().nullable(),
  exceeded: z.boolean(),
});

/** `GET /organizations/{org}/limits`: the plan that applies now and usage against each limit (any member). */
export const OrganizationLimits = z.object({ plan: Plan, limits: z.array(LimitUsage) });

const TrialFields = {
  /** End of the free trial a new organization starts on; null once a plan is subscribed. */
  trialEndsAt: z.string().nullable(),
  /** The trial has ended without a subscription: the organization cannot go live (402 trial_expired). */
  trialExpired: z.boolean(),
};

export const OrganizationSubscription = z.object({
  organizationId: z.uuid(),
  mode: BillingMode,
  /** The plan paid for. */
  plan: Plan,
  /** The plan whose limits apply now: Starter once a past-due grace period is over or after cancelation. */
  effectivePlan: Plan,
  status: SubscriptionStatus,
  /** A live (not canceled) Stripe subscription exists: plan changes go through the Billing Portal. */
  stripeSubscription: z.boolean(),
  currentPeriodStart: z.string().nullable(),
  currentPeriodEnd: z.string().nullable(),
  cancelAtPeriodEnd: z.boolean(),
  pastDueSince: z.string().nullable(),
  /** When a past-due organization falls back to Starter limits. */
  graceEndsAt: z.string().nullable(),
  ...TrialFields,
  limits: z.array(LimitUsage),
  /** Limits the organization is over (after a downgrade): new resources are blocked, nothing is deleted. */
  exceeded: z.array(UsageLimitName),
});

export const OrganizationUsage = z.object({
  organizationId: z.uuid(),
  period: z.object({ start: z.string(), end: z.string() }),
  participantMinutes: z.number(),
  streamHours: z.number(),
  ...TrialFields,
  limits: z.array(LimitUsage),
  exceeded: z.array(UsageLimitName),
});

export const LocalPlanInput = z.object({ plan: PlanIdSchema });
