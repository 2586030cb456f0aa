# syntax=docker/dockerfile:1
# The service images, one target each:
#   docker build --target gateway   -t docpipe-gateway .
#   docker build --target ingest    -t docpipe-ingest .
#   docker build --target docproc   -t docpipe-docproc .
#   docker build --target embedding -t docpipe-embedding .
# Node 24 on Debian 12, production dependencies only, UID 10001 (the UID the
# cdk8s Deployments run as, with a read-only root file system and /tmp on an
# emptyDir). Each starts the way the README documents: node services/<name>/dist/main.js.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY services ./services
COPY tools ./tools
COPY operator ./operator
COPY cdk8s ./cdk8s
RUN npm ci --no-audit --no-fund && npx tsc -b services/gateway services/ingest services/docproc services/embedding \
 && npm prune --omit=dev --no-audit --no-fund \
 && find services -name '*.test.*' -delete && rm -rf services/*/src services/*/test

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/services ./services
USER 10001:10001

FROM runtime AS gateway
EXPOSE 8080
# A 1 MiB young generation: large uploads leave 64 KiB socket buffers outside the
# heap until a scavenge frees them; frequent scavenges keep the peak RSS low
# (bench/RESULTS.md, 1 GiB upload).
CMD ["node", "--max-semi-space-size=1", "services/gateway/dist/main.js"]

FROM runtime AS ingest
EXPOSE 8081
# See gateway: the same flag for the same reason.
CMD ["node", "--max-semi-space-size=1", "services/ingest/dist/main.js"]

FROM runtime AS embedding
EXPOSE 9091
CMD ["node", "services/embedding/dist/main.js"]

# docproc reads PDFs with poppler's pdftotext in a capped subprocess (ADR 0006).
FROM runtime AS docproc
USER root
RUN apt-get update && apt-get install -y --no-install-recommends poppler-utils poppler-data \
 && rm -rf /var/lib/apt/lists/*
USER 10001:10001
EXPOSE 9090
CMD ["node", "services/docproc/dist/main.js"]

# The operator: node operator/dist/main.js, /metrics /healthz /readyz on 8080.
# Its own build stage (operator, operator/api, cdk8s, contracts, runtime) so
# the service images stay as they are; the same conventions: Node 24, production
# dependencies only, UID 10001, nothing written outside /tmp (an emptyDir in
# the chart, whose root file system is read-only).
#   docker build --target operator -t docpipe-operator .
FROM node:24-bookworm-slim AS operator-build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY services ./services
COPY tools ./tools
COPY operator ./operator
COPY cdk8s ./cdk8s
RUN npm ci --no-audit --no-fund && npx tsc -b operator \
 && npm prune --omit=dev --no-audit --no-fund \
 && find services operator cdk8s -name '*.test.*' -delete \
 && rm -rf services/*/src services/*/test operator/src operator/api/src operator/api/scripts cdk8s/src cdk8s/test

FROM node:24-bookworm-slim AS operator
ENV NODE_ENV=production
WORKDIR /app
COPY --from=operator-build /src/package.json ./
COPY --from=operator-build /src/node_modules ./node_modules
COPY --from=operator-build /src/services/contracts ./services/contracts
COPY --from=operator-build /src/services/runtime ./services/runtime
COPY --from=operator-build /src/operator ./operator
COPY --from=operator-build /src/cdk8s ./cdk8s
USER 10001:10001
EXPOSE 8080
CMD ["node", "operator/dist/main.js"]
