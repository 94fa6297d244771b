/**
 * The secret placeholders documented in the repository's `.env.example`, by variable. A secret
 * equal to one of these is refused at boot (docs/product.md §8). A test reads `.env.example` and fails
 * when this list and the file drift apart, so packages never have to read the file at run time.
 */
export const ENV_EXAMPLE_SECRETS: Readonly<Record<string, readonly string[]>> = {
  DATABASE_URL: ['postgresql://printforge_app:change-me-app-password-32-bytes-min@127.0.0.1:5432/printforge'],
  DATABASE_ADMIN_URL: ['postgresql://printforge_owner:change-me-owner-password-32-bytes-min@127.0.0.1:5432/printforge'],
  REDIS_URL: ['redis://:change-me-redis-password-32-bytes-min@127.0.0.1:6379'],
  S3_SECRET_ACCESS_KEY: ['change-me-s3-secret-access-key-32-bytes-min'],
  JWT_SECRET: ['change-me-medusa-jwt-secret-32-bytes-min'],
  PRINTER_KEYS: ['k1:Y2hhbmdlLW1lLXByaW50ZXIta2V5LTMyLWJ5dGVzLW1pbg=='],
}
