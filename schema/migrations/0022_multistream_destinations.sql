CREATE TYPE "public"."egress_destination_kind" AS ENUM('youtube', 'twitch', 'facebook', 'custom');--> statement-breakpoint
CREATE TABLE "egress_destinations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"room_id" uuid,
	"kind" "egress_destination_kind" NOT NULL,
	"name" text NOT NULL,
	"ingest_url" text NOT NULL,
	"stream_key_sealed" text NOT NULL,
	"stream_key_last4" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "egress_destinations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "egress_destinations" ADD CONSTRAINT "egress_destinations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "egress_destinations" ADD CONSTRAINT "egress_destinations_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "egress_destinations" ADD CONSTRAINT "egress_destinations_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "egress_destinations_org_idx" ON "egress_destinations" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "egress_destinations_room_idx" ON "egress_destinations" USING btree ("room_id");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "egress_destinations" AS PERMISSIVE FOR ALL TO "roomcast_app" USING ("egress_destinations"."organization_id" = nullif(current_setting('app.organization_id', true), '')::uuid) WITH CHECK ("egress_destinations"."organization_id" = nullif(current_setting('app.organization_id', true), '')::uuid);