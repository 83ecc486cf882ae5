-- Local stack: one role per service, one database per service, the admin role tests and migrations of
-- throw-away databases use. Idempotent (psql variables come from stack.sh). Run as the postgres superuser.
\set ON_ERROR_STOP on
SELECT format('CREATE ROLE %I LOGIN SUPERUSER PASSWORD %L', 'br_admin', :'admin_pw')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'br_admin') \gexec
ALTER ROLE br_admin WITH LOGIN SUPERUSER PASSWORD :'admin_pw';

SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', r.name || '_svc', r.name || '_svc_pw')
FROM (VALUES ('auth'), ('ticket'), ('booking'), ('payment')) AS r(name)
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name || '_svc') \gexec

SELECT format('CREATE DATABASE %I OWNER %I', r.name || '_db', r.name || '_svc')
FROM (VALUES ('auth'), ('ticket'), ('booking'), ('payment')) AS r(name)
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = r.name || '_db') \gexec

-- A service reaches only its own database: nobody else may connect (superusers aside).
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', r.name || '_db'),
       format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', r.name || '_db', r.name || '_svc')
FROM (VALUES ('auth'), ('ticket'), ('booking'), ('payment')) AS r(name) \gexec
