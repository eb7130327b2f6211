export * from './settings.js'
export * from './ari-client.js'
export * from './link.js'
