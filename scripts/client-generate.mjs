// `npm run client:generate`: rewrites packages/client/src/schema.ts from the OpenAPI document the
// API serves. The build comes first (the generator builds the app from apps/api's compiled code, so
// a route changed in source must be compiled to count); then packages/client/scripts/generate.ts
// builds the app in-process against throwaway local services and renders the document.
import { bootstrap, root, run, step } from './bootstrap.mjs'

bootstrap()
step('Generating packages/client/src/schema.ts from the served OpenAPI document')
run(process.execPath, ['--import', 'tsx', 'packages/client/scripts/generate.ts'], { cwd: root })
