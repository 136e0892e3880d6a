# syntax=docker/dockerfile:1

# Node 24: the current LTS (Node 20 reached end of life in April 2026). The code also runs
# on Node 20.19+ (package.json "engines"), where CI runs.

# ---- build: all dependencies, compile the CLI, then drop the dev dependencies ----
FROM node:24-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off: `prepare` (the build) needs the sources, which come later so that this
# layer is reused while only they change. better-sqlite3 then compiles its native addon.
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npm rebuild better-sqlite3
COPY scripts/build.mjs ./scripts/
COPY src ./src
COPY jobs ./jobs
# esbuild (a dev-time tool) compiles src/ and jobs/ to dist/, with source maps.
RUN node scripts/build.mjs \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: compiled JavaScript and production dependencies; no compiler, no TypeScript ----
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
# Without DATABASE_URL the embedded SQLite file lives in /app/.orgsync: mount a volume there to keep it.
RUN mkdir -p /app/.orgsync && chown node:node /app/.orgsync
USER node
ENTRYPOINT ["node", "bin/orgsync.js"]
CMD ["--help"]
