# One image for the worker, the API and the web server; docker-compose.yml picks the command per service:
#   worker  node temporal/worker.ts
#   api     node api/server.ts
#   web     node web/build/index.js
# Server code runs from its TypeScript sources, which Node 24 reads itself (type stripping); only the SvelteKit app is
# built.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY web/package.json web/
# npm ci's postinstall applies these fixes to dependencies (patch-package; see patches/README.md).
COPY patches/ patches/
RUN npm ci --no-audit --no-fund
COPY . .
# Build the web app, then drop dev dependencies (vite, svelte, typescript, vitest, ...): the adapter-node build
# bundles what the web server needs, and the server processes need only the production dependencies.
RUN npm run build:web \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Production node_modules, the server sources and the built web app (.dockerignore keeps tests, local data and secrets out).
COPY --from=build /app ./
USER node
EXPOSE 3000 3001
CMD ["node", "api/server.ts"]
