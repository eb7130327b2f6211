# Federator node image. Build: docker build -t federator .
# Run:   docker run -v federator-data:/data -p 127.0.0.1:7280:7280 federator
# (inside the container the HTTP API listens on 0.0.0.0:7280; publish it on loopback
# next to Asterisk, or use --network host.)

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY types ./types
COPY packages ./packages
RUN npm ci --no-audit --no-fund --ignore-scripts=false \
 && npx tsc -b \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    FEDERATOR_DATA=/data \
    FEDERATOR_HTTP=0.0.0.0:7280
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/packages ./packages
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 7280
# peer connections (UDP) use --swarm-port / FEDERATOR_SWARM_PORT; publish it for clusters
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "packages/federator/dist/cli.js"]
CMD ["start"]
