# The app image: build the server bundle (the client package and the web app) in one stage, run it in a slim one
# with production dependencies only, as the unprivileged `node` user.
#   docker build -t authors-rpc .
#   docker run -p 8000:8000 -e DATABASE_URL=… -e REDIS_URL=… authors-rpc

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Manifests first: the dependency layer is reused until one of them changes.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY client/package.json client/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY shared shared
COPY server server
COPY client client
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8000 \
    HOST=0.0.0.0
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY client/package.json client/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# The bundle walks up from server/dist/ to find drizzle/ (migrations, applied at start-up).
COPY drizzle drizzle
COPY --from=build /app/server/dist server/dist
# The browser app at /app, found by walking up from the bundle like drizzle/.
COPY --from=build /app/client/examples/web/dist client/examples/web/dist
USER node
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node directly (not npm) so SIGTERM reaches the server and its graceful shutdown.
CMD ["node", "server/dist/main.js"]
