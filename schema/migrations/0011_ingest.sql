CREATE TABLE "ingest_keys" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"room_id" uuid NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"created_by" uuid,
	"state" text DEFAULT 'idle' NOT NULL,
	"protocol" text,
	"last_error" text,
	"state_changed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ingest_keys_room_id_unique" UNIQUE("room_id")
);
--> statement-breakpoint
ALTER TABLE "ingest_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "ingest_keys" ADD CONSTRAINT "ingest_keys_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ingest_keys" ADD CONSTRAINT "ingest_keys_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ingest_keys" ADD CONSTRAINT "ingest_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ingest_keys_org_idx" ON "ingest_keys" USING btree ("organization_id");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "ingest_keys" AS PERMISSIVE FOR ALL TO "roomcast_app" USING ("ingest_keys"."organization_id" = nullif(current_setting('app.organization_id', true), '')::uuid) WITH CHECK ("ingest_keys"."organization_id" = nullif(current_setting('app.organization_id', true), '')::uuid);--> statement-breakpoint

-- The WHIP endpoint (workers/src/ingest) and the RTMP listener find a stream key's room before
-- any tenant is known. This answers exactly what checking the key needs and nothing more; the
-- caller compares the secret's hash. Deleted rooms have no ingest.
CREATE FUNCTION app_find_ingest_key(p_key_id uuid)
RETURNS TABLE (organization_id uuid, room_id uuid, secret_hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
  SELECT k.organization_id, k.room_id, k.secret_hash
  FROM ingest_keys k JOIN rooms r ON r.id = k.room_id
  WHERE k.id = p_key_id AND r.deleted_at IS NULL
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION app_find_ingest_key(uuid) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_find_ingest_key(uuid) TO roomcast_app;
