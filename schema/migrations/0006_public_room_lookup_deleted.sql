-- Custom SQL migration file, put your code below! --
-- Rooms are soft-deleted now (0004): a deleted room is gone for the public pages too.
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
