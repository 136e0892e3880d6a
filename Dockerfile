# syntax=docker/dockerfile:1

# ---- build: install production dependencies; better-sqlite3 compiles here ----
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# tsx is a runtime dependency: the CLI runs the TypeScript sources directly.
RUN npm ci --omit=dev --no-audit --no-fund

# ---- runtime: no compiler toolchain ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY jobs ./jobs
COPY bin ./bin
# Without DATABASE_URL the embedded SQLite file lives in /app/.orgsync: mount a volume there to keep it.
RUN mkdir -p /app/.orgsync && chown node:node /app/.orgsync
USER node
ENTRYPOINT ["node", "bin/orgsync.js"]
CMD ["--help"]
