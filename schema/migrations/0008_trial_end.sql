ALTER TABLE "subscriptions" ADD COLUMN "trial_ends_at" timestamp with time zone;--> statement-breakpoint
-- Trials that began before trials had an end get a full trial from this migration on: nothing
-- stops the day it is deployed.
UPDATE "subscriptions" SET "trial_ends_at" = now() + interval '14 days'
WHERE "status" = 'trialing' AND "stripe_subscription_id" IS NULL;--> statement-breakpoint

-- How many organizations the calling user (app.user_id) owns without a paid subscription. The
-- subscriptions of those organizations are outside the user's RLS scope while a new one is being
-- created; this answers the one number POST /organizations needs, for the caller only.
CREATE FUNCTION app_unpaid_owned_organizations()
RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT count(*)::integer
  FROM memberships m JOIN subscriptions s ON s.organization_id = m.organization_id
  WHERE m.user_id = nullif(current_setting('app.user_id', true), '')::uuid
    AND m.role = 'owner'
    AND s.status IN ('trialing', 'canceled')
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_unpaid_owned_organizations() FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_unpaid_owned_organizations() TO roomcast_app;
