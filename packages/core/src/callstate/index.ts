export * from './states.js'
export * from './table.js'
