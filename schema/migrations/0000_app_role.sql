-- The API logs in as roomcast_app: not the owner of any table and NOBYPASSRLS, so row-level
-- security always applies to it. Locally it needs no password (trust auth); on Neon the operator
-- sets one with ALTER ROLE roomcast_app PASSWORD '...' (see README).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'roomcast_app') THEN
    CREATE ROLE roomcast_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;
