/**
 * The realtime plugin (res_config_curl over HTTP) and the static config file
 * admin routes. Composition:
 *
 *   const realtime = new RealtimeService({ store, registrations: softState, view: { node: name } })
 *   buildApp({ …, plugins: [{ name: 'realtime', prefix: REALTIME_PREFIX, plugin: realtimePlugin(realtime, { auth, allow }) }],
 *              apiPlugins: [{ prefix: CONFIGS_PREFIX, plugin: configAdminPlugin(store) }] })
 *   … realtime.metrics() for /metrics; await realtime.close() on shutdown.
 */
export { RealtimeService, type RealtimeOptions } from './service.js'
export { realtimePlugin, REALTIME_PREFIX, type RealtimeHttpOptions } from './plugin.js'
export { accessCheck, allowList, type AccessOptions, type AccessDenied } from './access.js'
export { configAdminPlugin, configLines, confText, staticAnswer } from './config-files.js'
export { CONTACT_KIND, SIPREG_KIND, RegistrationBook, type Registrations, type RegistrationChange } from './registrations.js'
export { AnswerCache, type CacheLimits } from './cache.js'
export { RealtimeMetrics, REALTIME_OPS, type Metric, type Sample, type RealtimeProblem, type RealtimeOp } from './metrics.js'
export { WriteRefused, type ExtraRowsHook } from './context.js'
export * from './tunables.js'

/** Where configAdminPlugin goes inside /api/v1. */
export const CONFIGS_PREFIX = '/configs'
