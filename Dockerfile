# pricebook: multi-stage image. Build: `docker build -t pricebook .`
# Run:   docker run --rm -p 8000:8000 -v "$PWD/data:/app/data" -v "$PWD/logs:/app/logs" pricebook
# (no `# syntax=` line on purpose: the builder's built-in frontend is used, nothing is fetched)

# ---- base: Node 22 LTS, pinned by digest -------------------------------------------------------
# The tag says what it is, the digest what is built; Dependabot (.github/dependabot.yml) proposes
# the new digest when the tag moves. Both stages below start from it through NODE_IMAGE, whose
# default is this stage; `--build-arg NODE_IMAGE=<image>` swaps the base without editing this file
# (scripts/docker-lib.sh does so with its offline stand-in), and this stage is then never pulled.
ARG NODE_IMAGE=node-base
FROM node:22-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c AS node-base

# ---- build: compile TypeScript and the native better-sqlite3 addon ---------------------------
# Same Node major as the runtime stage: better-sqlite3 is a native addon built for this ABI.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# node-gyp needs a toolchain when no prebuilt better-sqlite3 binary can be downloaded.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# No dependency's install script runs (@scarf/scarf's telemetry postinstall among them) but the two
# that build or check a native binary; npm 10 (this image's) knows no allowScripts policy.
RUN npm ci --ignore-scripts --no-audit --no-fund \
    && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs scripts/server-loader.mjs ./scripts/
COPY src ./src
# Compile, then drop devDependencies; the compiled better-sqlite3 binary stays in node_modules.
RUN npm run build \
    && npm prune --omit=dev --no-audit --no-fund \
    && npm cache clean --force

# ---- runtime: production dependencies and dist/ only, as the unprivileged `node` user ---------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=8000 \
    HOST=0.0.0.0 \
    LOG_LEVEL=info \
    LOG_FILE="" \
    MIGRATE_ON_START=true \
    SHUTDOWN_GRACE_MS=10000
WORKDIR /app
# Code is owned by root and read-only to the service; only data/ and logs/ are writable.
RUN mkdir -p /app/data /app/logs && chown node:node /app/data /app/logs
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The item manager page served at / (static files, no build step).
COPY public ./public
USER node
EXPOSE 8000
VOLUME ["/app/data", "/app/logs"]
# Node's own fetch: no curl or wget in the image.
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
# node is PID 1 (exec form, no shell in between): the server handles SIGTERM/SIGINT itself,
# drains for SHUTDOWN_GRACE_MS and exits 0, and it starts no child processes to reap.
# `docker run --init` (or ECS initProcessEnabled) adds an init if one is ever wanted.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.js"]
