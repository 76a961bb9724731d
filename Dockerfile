# syntax=docker/dockerfile:1
# The seccomp-operator image: the controller and the node agent are the same
# program (`controller` and `agent` commands), run by Node.js 24 as in
# package.json's pinned `node`.

# The base of both stages. A published build pins it by digest, so that the
# image is built from exactly the base that was reviewed:
#   docker build --build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:<digest> .
# Without it the tag is used (the offline build's local base, hack/image/base.sh).
ARG NODE_IMAGE=node:24-bookworm-slim

# Build stage: compile TypeScript, then drop the development dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: Node.js, the compiled program and its production
# dependencies; nothing else of the source tree.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# A small young generation: the default lets resident memory grow by tens of MiB per process
# for little speed, and the agent runs on every node.
ENV NODE_OPTIONS="--max-semi-space-size=2"
# npm and corepack are not needed to run the program; removing them leaves
# less to patch and less for an intruder to use.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /opt/yarn-* \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg
WORKDIR /app
# package.json: "type": "module" for dist/, and the version the CLI prints.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/dist/ dist/
# Files stay owned by root and read-only for the program. The node agent's
# DaemonSet overrides this with runAsUser 0 (it writes into the root-owned
# kubelet seccomp folder); the controller runs as this user.
USER 65532:65532
# Node.js as PID 1: the kernel gives PID 1 no default action for SIGTERM, but
# the program installs its own handlers (graceful shutdown, lease release),
# and it starts no child processes that would need reaping. V8 tuned for size
# over speed (NODE_OPTIONS cannot carry it): the daemons mostly wait on the API
# server, and it takes a third off their memory at scale.
ENTRYPOINT ["node", "--optimize-for-size", "dist/cli/main.js"]
