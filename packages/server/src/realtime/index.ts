/**
 * The realtime plugin (res_config_curl over HTTP); the static config files'
 * admin routes are admin/configs-plugin.ts. Composition:
 *
 *   const realtime = new RealtimeService({ store, registrations: softState, projection: { node: name } })
 *   buildApp({ …, plugins: [{ name: 'realtime', prefix: REALTIME_PREFIX, plugin: realtimePlugin(realtime, { auth, allow }) }],
 *              apiPlugins: [{ prefix: CONFIGS_PREFIX, plugin: configAdminPlugin(store) }] })
 *   … realtime.metrics() for /metrics; await realtime.close() on shutdown.
 */
export { RealtimeService, type RealtimeOptions } from './service.js'
export { realtimePlugin, REALTIME_PREFIX, type RealtimeHttpOptions } from './plugin.js'
export { accessCheck, allowList, type AccessOptions, type AccessDenied } from './access.js'
export { configLines, confText } from './config-lines.js'
export { staticAnswer } from './static-answer.js'
export { CONTACT_KIND, SIPREG_KIND, RegistrationBook } from './registrations.js'
export type { Registrations, SoftChange as RegistrationChange } from '../ports.js'
export { AnswerCache, type CacheLimits } from './cache.js'
export { RealtimeMetrics, REALTIME_OPS, type Metric, type Sample, type RealtimeProblem, type RealtimeOp } from './metrics.js'
export { WriteRefused, type ExtraRowsHook } from './context.js'
export * from './tunables.js'
