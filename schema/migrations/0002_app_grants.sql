-- What the API role may touch. Plans are read-only to it; everything tenant-scoped is further
-- filtered by the row-level security policies created with the tables.
GRANT USAGE ON SCHEMA public TO roomcast_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO roomcast_app;--> statement-breakpoint
REVOKE INSERT, UPDATE, DELETE ON plans FROM roomcast_app;--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO roomcast_app;--> statement-breakpoint

-- Two lookups must find a row before the tenant is known: an API key presented as a bearer
-- token, and an invitation token. These functions answer exactly that and nothing more.
CREATE FUNCTION app_find_api_key(p_key_id uuid)
RETURNS TABLE (organization_id uuid, secret_hash text, revoked_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$ SELECT organization_id, secret_hash, revoked_at FROM api_keys WHERE id = p_key_id $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_find_api_key(uuid) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_find_api_key(uuid) TO roomcast_app;--> statement-breakpoint

CREATE FUNCTION app_find_invitation(p_token_hash text)
RETURNS TABLE (organization_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$ SELECT organization_id FROM invitations WHERE token_hash = p_token_hash $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_find_invitation(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_find_invitation(text) TO roomcast_app;
