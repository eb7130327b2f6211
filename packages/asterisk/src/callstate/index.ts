export * from './ports.js'
export * from './publisher.js'
export * from './custom.js'
export * from './feature.js'
