# Federator node image. Build: docker build -t federator .
# Run:   docker run -v federator-data:/data -p 127.0.0.1:7280:7280 -p 49737:49737/udp federator
# (inside the container the HTTP API listens on 0.0.0.0:7280; publish it on loopback
# next to Asterisk, or use --network host.) A 3-node cluster: compose.yaml.
#
# The build context is what the COPY lines below name, minus .dockerignore (no host dist/,
# node_modules or data). test/docker-context.test.ts reads this file's COPY and RUN lines,
# rebuilds that context in a temporary folder and runs the same commands there: keep one
# COPY per line, sources relative to the context, and the build in one RUN.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.base.json ./
COPY types ./types
COPY packages ./packages
RUN npm ci --no-audit --no-fund --ignore-scripts=false \
 && npx tsc -b \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    FEDERATOR_DATA=/data \
    FEDERATOR_HTTP=0.0.0.0:7280 \
    FEDERATOR_SWARM_PORT=49737
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages ./packages
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# HTTP API (Asterisk's realtime and /route, the admin API)
EXPOSE 7280/tcp
# peer connections (hyperswarm over UDP, FEDERATOR_SWARM_PORT): publish it for a cluster
EXPOSE 49737/udp
# liveness: /healthz on the port FEDERATOR_HTTP names (no curl in the slim image: node's fetch)
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const p=(process.env.FEDERATOR_HTTP||'').split(':').pop()||'7280';fetch('http://127.0.0.1:'+p+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "packages/federator/dist/cli.js"]
CMD ["start"]
