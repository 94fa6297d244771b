#!/bin/sh
# Runs once, when the postgres container initialises an empty data directory (the official image's
# /docker-entrypoint-initdb.d contract), as the cluster superuser. PRODUCT §5.1: the owner role
# (migrations; CREATEDB for the drift check's shadow database), the app and read-only roles, each
# with the password from its secret file, and the database owned by the owner. Mirrors
# packages/devstack/src/provision.ts. Passwords go through psql variables (:'name' quotes them),
# never through the command line or the log.
set -eu
read_secret() { tr -d '\r\n' < "/run/secrets/$1"; }
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
  -v owner_pw="$(read_secret postgres_owner_password)" \
  -v app_pw="$(read_secret postgres_app_password)" \
  -v readonly_pw="$(read_secret postgres_readonly_password)" \
  -v db="${PRINTFORGE_DATABASE:-printforge}" <<'SQL'
CREATE ROLE printforge_owner LOGIN NOSUPERUSER CREATEDB CREATEROLE NOBYPASSRLS PASSWORD :'owner_pw';
CREATE ROLE printforge_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_pw';
CREATE ROLE printforge_readonly LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'readonly_pw';
CREATE DATABASE :"db" OWNER printforge_owner;
SQL
