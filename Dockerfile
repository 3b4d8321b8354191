# Two images from one file:
#   docker build .                   the service (API and worker, started with different commands)
#   docker build --target emulator . the local AWS emulator (docker-compose only; never in production)
# TypeScript runs through tsx's loader in the node process itself, so SIGTERM from `docker stop`
# reaches the program directly (no npm or tsx wrapper process in between to relay it).

# The workflow bundle is built ahead with the dev dependencies; the runtime image only runs it.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY scripts ./scripts
RUN npm run build:bundle

FROM node:20-bookworm-slim AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
# Dev dependencies are skipped; tsx is a runtime dependency.
RUN npm ci --omit=dev && npm cache clean --force

FROM node:20-bookworm-slim AS emulator
WORKDIR /app
ENV NODE_ENV=production
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src/emulator ./src/emulator
# The emulator keeps its resources in /data (a volume in docker-compose.yml), owned by the runtime user.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4566
CMD ["node", "--import", "tsx", "src/emulator/main.ts"]

FROM node:20-bookworm-slim AS service
WORKDIR /app
# Production: the worker runs only the prebuilt bundle (dist/workflow-bundle.js), never bundles at start.
ENV NODE_ENV=production
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
# The service alone: not the emulator, the dev-server tooling or the demo (src/emulator, src/dev, src/demo).
COPY src/api ./src/api
COPY src/cli ./src/cli
COPY src/config ./src/config
COPY src/shared ./src/shared
COPY src/worker ./src/worker
COPY workflows ./workflows
COPY activities ./activities
COPY bin ./bin
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "src/api/main.ts"]
