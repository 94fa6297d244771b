#!/usr/bin/env bash
# Gives each secret file to the container user that reads it (run as root, after `secrets init`).
# Compose passes file secrets as bind mounts with the host file's owner and mode, and every
# container here runs as a non-root user: a 0600 file must belong to the uid that reads it.
#   postgres (uid 999): the superuser password and the three role passwords (init script)
#   redis (uid 999): its password
#   nginx (uid 101): the TLS private key
#   the apps (uid 1000): the connection URLs, JWT secret, printer keys, S3 secret key
#   metrics_token: the apps (owner, uid 1000) and Prometheus (nobody, through group 65534), 0640
set -euo pipefail
secrets=${1:?usage: deploy/secrets-owners.sh <secrets-dir> [<tls-dir>]}
tls=${2:-}
own() { chown "$1" "$secrets/$2" && chmod 600 "$secrets/$2"; }
for f in postgres_superuser_password postgres_owner_password postgres_app_password postgres_readonly_password redis_password; do own 999:999 "$f"; done
for f in database_url database_admin_url redis_url jwt_secret printer_keys s3_access_key_id s3_secret_access_key; do own 1000:1000 "$f"; done
chown 1000:65534 "$secrets/metrics_token" && chmod 640 "$secrets/metrics_token"
if [ -n "$tls" ]; then chown 101:101 "$tls/tls.key" && chmod 600 "$tls/tls.key"; fi
echo "secret files owned by the container users that read them"
