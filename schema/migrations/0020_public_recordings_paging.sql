-- The public page of an organization pages through its published recordings (newest first, by
-- start time to the millisecond and id, as the API's cursor carries them) instead of showing the
-- newest 100 only. Still one row with a null recording for a known organization with none.
DROP FUNCTION app_published_recordings(text);--> statement-breakpoint
CREATE FUNCTION app_published_recordings(p_org_slug text, p_before_at timestamptz, p_before_id uuid, p_limit integer)
RETURNS TABLE (organization_name text, recording_id uuid, room_title text, started_at timestamptz, duration_ms integer, poster_key text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT o.name, p.id, p.title, p.started_at, p.duration_ms, p.poster_key
  FROM organizations o
  LEFT JOIN LATERAL (
    SELECT rec.id, r.title, rec.started_at, rec.duration_ms, rec.poster_key
    FROM recordings rec JOIN rooms r ON r.id = rec.room_id
    WHERE rec.organization_id = o.id AND rec.published_at IS NOT NULL AND rec.status IN ('ready', 'partial')
      AND r.visibility = 'public' AND r.deleted_at IS NULL
      AND (p_before_at IS NULL OR (date_trunc('milliseconds', rec.started_at), rec.id) < (p_before_at, p_before_id))
    ORDER BY date_trunc('milliseconds', rec.started_at) DESC, rec.id DESC
    LIMIT least(greatest(p_limit, 1), 101)
  ) p ON true
  WHERE o.slug = p_org_slug
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_published_recordings(text, timestamptz, uuid, integer) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_published_recordings(text, timestamptz, uuid, integer) TO roomcast_app;
