# Two images from one file:
#   docker build .                   the service (API and worker, started with different commands)
#   docker build --target emulator . the local AWS emulator from packages/sagemaker-emulator (never in production)
# TypeScript runs through tsx's loader in the node process itself, so SIGTERM from `docker stop`
# reaches the program directly (no npm or tsx wrapper process in between to relay it).

# The workflow bundle is built ahead with the dev dependencies; the runtime image only runs it.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The workspace's manifest too, or npm ci refuses the lockfile; its sources stay out of the service.
COPY packages/sagemaker-emulator/package.json ./packages/sagemaker-emulator/package.json
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY scripts ./scripts
RUN npm run build:bundle

FROM node:24-bookworm-slim AS runtime-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/sagemaker-emulator/package.json ./packages/sagemaker-emulator/package.json
# Dev dependencies are skipped; tsx is a runtime dependency. npm links the emulator workspace
# anyway; its sources are never copied, and ESLint keeps the service from importing it.
RUN npm ci --omit=dev && npm cache clean --force

# The emulator's image is built from its own package (packages/sagemaker-emulator) and the root
# lockfile, with that workspace's runtime dependencies only.
FROM node:24-bookworm-slim AS emulator
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY packages/sagemaker-emulator ./packages/sagemaker-emulator
RUN npm ci --omit=dev --workspace packages/sagemaker-emulator --include-workspace-root=false && npm cache clean --force
# The emulator keeps its resources in /data (a volume in docker-compose.yml), owned by the runtime user.
RUN mkdir -p /data && chown node:node /data
USER node
WORKDIR /app/packages/sagemaker-emulator
EXPOSE 4566
CMD ["node", "--import", "tsx", "src/main.ts"]

FROM node:24-bookworm-slim AS service
WORKDIR /app
# Production: the worker runs only the prebuilt bundle (dist/workflow-bundle.js), never bundles at start.
ENV NODE_ENV=production
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
# The service alone: src/ is only the service; the emulator, dev/ and demo/ are never copied.
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY bin ./bin
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
USER node
EXPOSE 3000
CMD ["node", "--import", "tsx", "src/api/main.ts"]
