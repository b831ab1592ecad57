CREATE TABLE "usage_reports" (
	"organization_id" uuid NOT NULL,
	"meter" text NOT NULL,
	"slice_start" timestamp with time zone NOT NULL,
	"quantity" integer NOT NULL,
	"identifier" text NOT NULL,
	"reported_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_reports_organization_id_meter_slice_start_pk" PRIMARY KEY("organization_id","meter","slice_start")
);
--> statement-breakpoint
ALTER TABLE "usage_reports" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP INDEX "rooms_org_slug_key";--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "recording" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "usage_reports" ADD CONSTRAINT "usage_reports_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "rooms_org_slug_key" ON "rooms" USING btree ("organization_id","slug") WHERE deleted_at is null;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "usage_reports" AS PERMISSIVE FOR ALL TO "roomcast_app" USING ("usage_reports"."organization_id" = nullif(current_setting('app.organization_id', true), '')::uuid) WITH CHECK ("usage_reports"."organization_id" = nullif(current_setting('app.organization_id', true), '')::uuid);