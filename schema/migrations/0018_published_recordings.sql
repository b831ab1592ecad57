ALTER TABLE "recordings" ADD COLUMN "published_at" timestamp with time zone;--> statement-breakpoint
-- Published recordings of public rooms, for anyone (the organization's public page and the VOD
-- embed): recordings are tenant data under RLS, so these narrow lookups run as their owner and
-- answer only what is published, playable and in a public room that still exists.
CREATE FUNCTION app_published_recordings(p_org_slug text)
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
    ORDER BY rec.started_at DESC
    LIMIT 100
  ) p ON true
  WHERE o.slug = p_org_slug
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_published_recordings(text) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_published_recordings(text) TO roomcast_app;--> statement-breakpoint
CREATE FUNCTION app_published_recording(p_recording_id uuid)
RETURNS TABLE (recording_id uuid, organization_name text, room_title text, started_at timestamptz, duration_ms integer, video_codec text, object_key text, poster_key text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT rec.id, o.name, r.title, rec.started_at, rec.duration_ms, rec.video_codec, rec.object_key, rec.poster_key
  FROM recordings rec
  JOIN rooms r ON r.id = rec.room_id
  JOIN organizations o ON o.id = rec.organization_id
  WHERE rec.id = p_recording_id AND rec.published_at IS NOT NULL AND rec.status IN ('ready', 'partial')
    AND rec.object_key IS NOT NULL AND r.visibility = 'public' AND r.deleted_at IS NULL
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_published_recording(uuid) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_published_recording(uuid) TO roomcast_app;
