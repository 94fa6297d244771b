// @printforge/supply-chain: checks of package-lock.json against the reviewed policy (minimum safe
// versions, reviewed install scripts), and npm audit for CI. `dist/main.js` is the command line.
export { readLockfile, installedCopies, trustedIdentity, nameFromPath, identityFromResolved, type Lockfile, type LockEntry, type InstalledCopy } from './lockfile.js'
export { parseAdvisories, readAdvisories, findViolations, describeViolation, type Advisory, type Violation } from './advisories.js'
export { unreviewedInstallScripts, isReviewed, splitKey, type AllowScripts, type UnreviewedScript } from './install-scripts.js'
export { classifyAudit, auditVerdict, runNpmAudit, type AuditOutcome } from './npm-audit.js'
