// Read by the Prisma CLI (`prisma generate`, and `prisma migrate deploy` for ops who prefer it).
// Our own `npm run cli -- migrate` applies the same migrations offline with Prisma's WebAssembly engine.
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  // Migrations run as the owner role; the apps never see this URL.
  datasource: { url: process.env['DATABASE_ADMIN_URL'] ?? '' },
})
