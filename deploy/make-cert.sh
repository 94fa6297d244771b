#!/usr/bin/env bash
# A self-signed certificate for a local or demo deployment: deploy/make-cert.sh <dir> <hostname>
# writes <dir>/tls.crt and <dir>/tls.key (P-256, 825 days, SAN = hostname and localhost; key mode
# 0600). Production uses a certificate from a CA: put it at the same two paths.
set -euo pipefail
dir=${1:?usage: deploy/make-cert.sh <dir> <hostname>}
host=${2:?usage: deploy/make-cert.sh <dir> <hostname>}
if [ -e "$dir/tls.key" ] || [ -e "$dir/tls.crt" ]; then
  echo "$dir/tls.key or tls.crt exists: refusing to overwrite" >&2
  exit 1
fi
mkdir -p "$dir" && chmod 700 "$dir"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
  -keyout "$dir/tls.key" -out "$dir/tls.crt" -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host,DNS:localhost,IP:127.0.0.1" \
  -addext "keyUsage=digitalSignature" -addext "extendedKeyUsage=serverAuth" 2>/dev/null
chmod 644 "$dir/tls.crt"
echo "wrote $dir/tls.crt and $dir/tls.key for $host"
