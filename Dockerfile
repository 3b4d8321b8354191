# The service image: API, worker and emulator are the same code, started with different commands
# (npm run api | npm run worker | npm run emulator). TypeScript runs through tsx, as on a laptop.
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
CMD ["npm", "run", "api"]
