export * from './ip.js'
export * from './nodes.js'
export * from './records.js'
export * from './rate-limit.js'
