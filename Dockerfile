# PrintForge images (docs/product.md §9): one build, one runtime target per process.
#   docker build --target api    -t printforge/api .
#   docker build --target worker -t printforge/worker .
#   docker build --target cli    -t printforge/cli .     (migrate, staff, keys, audit, backup, secrets)
#   docker build --target printer-sim -t printforge/printer-sim .   (the `printers` demo profile)
#   docker build --target edge   -t printforge/edge .    (nginx with the staff console's static files)
# Behind a TLS-intercepting proxy, pass its CA as a build secret (never baked into a layer):
#   --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt
ARG NODE_IMAGE=node:22-bookworm-slim
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.27-bookworm

# ---- build: every dependency, generate Prisma's client, compile; /out gets only what runs --------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# npm 11: the install-script allow-list in package.json ("allowScripts") needs it.
RUN --mount=type=secret,id=ca,required=false \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca npm_config_cafile=/run/secrets/ca; fi; \
    npm install --global --no-audit --no-fund npm@11.19.1
COPY . .
RUN --mount=type=secret,id=ca,required=false \
    if [ -f /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca npm_config_cafile=/run/secrets/ca; fi; \
    npm ci --no-audit --no-fund \
 && npx turbo run build --output-logs=errors-only \
 && node scripts/image-layout.mjs /out

# ---- runtime base: Node, tini as PID 1 (signals reach Node; zombies are reaped), no npm ----------
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx
WORKDIR /app
# Owned by root, read-only to the app user: the process cannot rewrite its own code.
COPY --from=build /out /app
ENV NODE_ENV=production
USER node
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS api
ENV HOST=0.0.0.0 API_PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://localhost:'+(process.env.API_PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/api/dist/server.js"]

FROM runtime AS worker
# The worker has no port: its health check asks whether the process is alive and its heartbeat fresh.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "apps/worker/dist/healthcheck.js"]
ENV WORKER_HEARTBEAT_FILE=/tmp/worker.heartbeat
CMD ["node", "apps/worker/dist/main.js"]

FROM runtime AS cli
# Debian's PostgreSQL 15 client for `backup create` / `backup restore` (pg_dump, pg_restore).
USER root
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-client-15 \
 && rm -rf /var/lib/apt/lists/*
USER node
HEALTHCHECK NONE
ENTRYPOINT ["/usr/bin/tini", "--", "node", "apps/cli/dist/main.js"]
CMD ["--help"]

FROM runtime AS printer-sim
# The test CA goes to a volume mounted here; a new volume takes this folder's owner.
USER root
RUN install -d -o node -g node /run/printer-ca
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require('node:net').connect(8883,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"]
CMD ["node", "apps/printer-sim/dist/main.js"]

# ---- edge: nginx and the staff console (docs/console.md) ------------------------------------------
# The build stage's turbo build includes apps/console (vite build → apps/console/dist); only those
# static files enter the image. nginx's configuration (nginx.conf, conf.d, snippets, and the
# console's template, which the image's entrypoint renders with envsubst at start) is mounted by
# docker-compose.yml, read-only. The base image runs nginx as uid 101 on 8080/8443.
FROM ${NGINX_IMAGE} AS edge
COPY --from=build /src/apps/console/dist /usr/share/printforge/console
