-- Stale server recordings (workers/src/recordings/stale-recordings.ts): a recording left
-- `recording` after its room session ended, or `finalizing` long after its stop (a stop that died
-- half way), still holds an open multipart upload the store keeps. The cron finds the
-- organizations that have one across tenants (RLS keeps every other query inside one tenant).
CREATE FUNCTION app_recordings_stale_organizations(p_before timestamptz)
RETURNS TABLE (organization_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT DISTINCT r.organization_id FROM recordings r
  LEFT JOIN room_sessions s ON s.id = r.room_session_id
  WHERE (r.status = 'finalizing' AND r.ended_at < p_before)
     OR (r.status = 'recording' AND s.ended_at IS NOT NULL AND s.ended_at < p_before)
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_recordings_stale_organizations(timestamptz) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_recordings_stale_organizations(timestamptz) TO roomcast_app;
