-- Custom SQL migration file, put your code below! --
-- Public room pages (`/r/{org}/{room}`, `/embed/{room}`) must find a room before any tenant is
-- known. These lookups answer exactly what such a page needs and nothing more; the API decides
-- who may see the answer (public rooms: anyone; other rooms: only members).
CREATE FUNCTION app_find_room_by_slugs(p_org_slug text, p_room_slug text)
RETURNS TABLE (room_id uuid, organization_id uuid, title text, visibility room_visibility, live_session_id uuid, ever_live boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT r.id, r.organization_id, r.title, r.visibility,
         (SELECT s.id FROM room_sessions s WHERE s.room_id = r.id AND s.ended_at IS NULL),
         EXISTS (SELECT 1 FROM room_sessions s WHERE s.room_id = r.id)
  FROM rooms r JOIN organizations o ON o.id = r.organization_id
  WHERE o.slug = p_org_slug AND r.slug = p_room_slug
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_find_room_by_slugs(text, text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_find_room_by_slugs(text, text) TO roomcast_app;--> statement-breakpoint

CREATE FUNCTION app_find_room_by_id(p_room_id uuid)
RETURNS TABLE (room_id uuid, organization_id uuid, title text, visibility room_visibility, live_session_id uuid, ever_live boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
AS $$
  SELECT r.id, r.organization_id, r.title, r.visibility,
         (SELECT s.id FROM room_sessions s WHERE s.room_id = r.id AND s.ended_at IS NULL),
         EXISTS (SELECT 1 FROM room_sessions s WHERE s.room_id = r.id)
  FROM rooms r
  WHERE r.id = p_room_id
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_find_room_by_id(uuid) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_find_room_by_id(uuid) TO roomcast_app;
