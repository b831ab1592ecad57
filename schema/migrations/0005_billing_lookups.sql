-- Billing runs without a tenant principal: Stripe webhooks and the usage reporter (cron) must find
-- an organization before any tenant scope exists. These functions answer exactly that and nothing
-- more; every write then happens in a transaction scoped to the organization found, under RLS.
CREATE FUNCTION app_find_organization_by_stripe_customer(p_customer text)
RETURNS TABLE (organization_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$ SELECT id FROM organizations WHERE stripe_customer_id = p_customer $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_find_organization_by_stripe_customer(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_find_organization_by_stripe_customer(text) TO roomcast_app;--> statement-breakpoint

CREATE FUNCTION app_billing_customers()
RETURNS TABLE (organization_id uuid, stripe_customer_id text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$ SELECT id, stripe_customer_id FROM organizations WHERE stripe_customer_id IS NOT NULL ORDER BY id $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_billing_customers() FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_billing_customers() TO roomcast_app;--> statement-breakpoint

-- Rooms are soft-deleted now (their sessions carry billed usage): the public lookups skip them.
CREATE OR REPLACE FUNCTION app_find_room_by_slugs(p_org_slug text, p_room_slug text)
RETURNS TABLE (room_id uuid, organization_id uuid, title text, visibility room_visibility, live_session_id uuid, ever_live boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT r.id, r.organization_id, r.title, r.visibility,
         (SELECT s.id FROM room_sessions s WHERE s.room_id = r.id AND s.ended_at IS NULL),
         EXISTS (SELECT 1 FROM room_sessions s WHERE s.room_id = r.id)
  FROM rooms r JOIN organizations o ON o.id = r.organization_id
  WHERE o.slug = p_org_slug AND r.slug = p_room_slug AND r.deleted_at IS NULL
$$;--> statement-breakpoint

CREATE OR REPLACE FUNCTION app_find_room_by_id(p_room_id uuid)
RETURNS TABLE (room_id uuid, organization_id uuid, title text, visibility room_visibility, live_session_id uuid, ever_live boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT r.id, r.organization_id, r.title, r.visibility,
         (SELECT s.id FROM room_sessions s WHERE s.room_id = r.id AND s.ended_at IS NULL),
         EXISTS (SELECT 1 FROM room_sessions s WHERE s.room_id = r.id)
  FROM rooms r
  WHERE r.id = p_room_id AND r.deleted_at IS NULL
$$;
