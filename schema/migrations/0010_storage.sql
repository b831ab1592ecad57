ALTER TABLE "files" ADD COLUMN "upload_id" text;--> statement-breakpoint
ALTER TABLE "files" ADD COLUMN "uploaded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "poster_key" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "upload_id" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "video_codec" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "audio_codec" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "error" text;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "started_by" uuid;--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "ready_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_started_by_users_id_fk" FOREIGN KEY ("started_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "files_pending_idx" ON "files" USING btree ("created_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "recordings_org_started_idx" ON "recordings" USING btree ("organization_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "recordings_active_key" ON "recordings" USING btree ("room_id") WHERE status in ('recording', 'finalizing');--> statement-breakpoint

-- Stale uploads (workers/src/storage/stale-uploads.ts): the cron finds the organizations with an
-- upload still pending past its deadline before any tenant scope exists; this answers the
-- organization ids and nothing more, and the cleanup itself runs under each tenant's scope.
CREATE FUNCTION app_storage_stale_upload_organizations(p_created_before timestamptz)
RETURNS TABLE (organization_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$ SELECT DISTINCT organization_id FROM files WHERE status = 'pending' AND created_at < p_created_before $$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_storage_stale_upload_organizations(timestamptz) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_storage_stale_upload_organizations(timestamptz) TO roomcast_app;
