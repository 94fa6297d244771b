#!/bin/sh
# Runs once, when the postgres container initialises an empty data directory (the official image's
# /docker-entrypoint-initdb.d contract), as the cluster superuser. docs/product.md §5.1: the owner role
# (migrations; CREATEDB for the drift check's shadow database), the app and read-only roles, each
# with the password from its secret file, and the database owned by the owner. Mirrors
# packages/devstack/src/provision.ts. psql reads each password from its file itself (\set with a
# backtick command), so no password is ever a process argument; :'name' quotes it as a literal.
set -eu
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres -v db="${PRINTFORGE_DATABASE:-printforge}" <<'SQL'
\set owner_pw `tr -d '\r\n' < /run/secrets/postgres_owner_password`
\set app_pw `tr -d '\r\n' < /run/secrets/postgres_app_password`
\set readonly_pw `tr -d '\r\n' < /run/secrets/postgres_readonly_password`
CREATE ROLE printforge_owner LOGIN NOSUPERUSER CREATEDB CREATEROLE NOBYPASSRLS PASSWORD :'owner_pw';
CREATE ROLE printforge_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_pw';
CREATE ROLE printforge_readonly LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'readonly_pw';
CREATE DATABASE :"db" OWNER printforge_owner;
SQL
