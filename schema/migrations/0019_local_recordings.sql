-- Local recordings (workers/src/recordings/local-recording-routes.ts): a host's studio records in the
-- browser (MediaRecorder) and uploads the parts itself; the row says who writes the parts. Only
-- server recordings are one per room: a host may record locally beside one.
DROP INDEX "recordings_active_key";--> statement-breakpoint
ALTER TABLE "recordings" ADD COLUMN "source" text DEFAULT 'server' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "recordings_active_key" ON "recordings" USING btree ("room_id") WHERE status in ('recording', 'finalizing') and source = 'server';
