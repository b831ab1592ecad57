CREATE TABLE "recording_tracks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"recording_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"object_key" text NOT NULL,
	"upload_id" text,
	"offset_ms" integer DEFAULT 0 NOT NULL,
	"duration_ms" integer,
	"size_bytes" bigint DEFAULT 0 NOT NULL,
	"video_codec" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "recording_tracks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "recording_tracks" ADD CONSTRAINT "recording_tracks_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recording_tracks" ADD CONSTRAINT "recording_tracks_recording_id_recordings_id_fk" FOREIGN KEY ("recording_id") REFERENCES "public"."recordings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "recording_tracks_recording_idx" ON "recording_tracks" USING btree ("recording_id");--> statement-breakpoint
CREATE INDEX "recording_tracks_org_idx" ON "recording_tracks" USING btree ("organization_id");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "recording_tracks" AS PERMISSIVE FOR ALL TO "roomcast_app" USING ("recording_tracks"."organization_id" = nullif(current_setting('app.organization_id', true), '')::uuid) WITH CHECK ("recording_tracks"."organization_id" = nullif(current_setting('app.organization_id', true), '')::uuid);