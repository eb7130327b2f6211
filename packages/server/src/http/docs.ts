/**
 * OpenAPI: @fastify/swagger collects every route's schema (also of plugins
 * registered later); @fastify/swagger-ui serves the UI at /docs from the
 * files in its package (nothing is fetched at run time) and the spec at
 * /docs/json and /docs/yaml.
 */
import type { FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

export const DOCS_PREFIX = '/docs'

export async function registerDocs (app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Federator admin API',
        version,
        description: 'Records of a Federator cluster. Every /api/v1 route needs `Authorization: Bearer <admin token>`. Errors are `{ code, message, details? }` with a FED_ERR_* code.'
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }
    },
    transform: ({ schema, url }) => {
      // mark the admin routes as needing the token
      const s = { ...(schema as Record<string, unknown>) }
      if (url.startsWith('/api/v1')) s.security = [{ bearer: [] }]
      return { schema: s as never, url }
    }
  })
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: true })
}
