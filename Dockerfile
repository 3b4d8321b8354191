# The service image: API, worker and emulator are the same code, started with different commands
# (node --import tsx src/{api,worker,emulator}/main.ts). TypeScript runs through tsx's loader in the
# node process itself, so SIGTERM from `docker stop` reaches the program directly (no npm or tsx
# wrapper process in between to relay it).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Dev dependencies are skipped; tsx is a runtime dependency.
RUN npm ci --omit=dev && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY bin ./bin
# The emulator keeps its resources in /data (a volume in docker-compose.yml), owned by the runtime user.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000 4566
CMD ["node", "--import", "tsx", "src/api/main.ts"]
