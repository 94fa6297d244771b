export { createS3Client, type StorageSettings } from './client.js'
export { createObjectStore, ObjectsNotDeleted, type ObjectStore } from './objects.js'
export { modelKey, quarantineKey, quarantinePrefix, scanKey, scanPrefix } from './keys.js'
export { digestTap, type DigestTap } from './digest.js'
