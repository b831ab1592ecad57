-- SECURITY DEFINER functions run as their owner, past RLS. Postgres searches the session temporary
-- schema before anything else for tables unless search_path names pg_temp explicitly, so a session
-- of the API role could shadow rooms or organizations with a temp table and steer these lookups.
-- pg_temp last closes that (https://www.postgresql.org/docs/current/sql-createfunction.html).
ALTER FUNCTION app_find_api_key(uuid) SET search_path = public, pg_temp;--> statement-breakpoint
ALTER FUNCTION app_find_invitation(text) SET search_path = public, pg_temp;--> statement-breakpoint
ALTER FUNCTION app_find_room_by_slugs(text, text) SET search_path = public, pg_temp;--> statement-breakpoint
ALTER FUNCTION app_find_room_by_id(uuid) SET search_path = public, pg_temp;--> statement-breakpoint
ALTER FUNCTION app_find_organization_by_stripe_customer(text) SET search_path = public, pg_temp;--> statement-breakpoint
ALTER FUNCTION app_billing_customers() SET search_path = public, pg_temp;
