// An S3 server in a process of its own, so the fault drill can kill it like a real one.
import { startS3 } from '@printforge/devstack'

const env = process.env as Record<string, string>
await startS3({ port: Number(env['S3_PORT']), dir: env['S3_DIR'] as string, bucket: env['S3_BUCKET'] as string, accessKeyId: env['S3_ACCESS_KEY_ID'] as string, secretAccessKey: env['S3_SECRET_ACCESS_KEY'] as string })
process.stdout.write('s3 ready\n')
