export * from './needs.js'
export * from './match.js'
export { assertFilamentsLoaded, storedTrays } from './fit.js'
