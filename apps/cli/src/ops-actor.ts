import os from 'node:os'

/** Who ran an ops command, for the audit trail: ops act as the system, named by their login. */
export const opsActor = () => `ops:${os.userInfo().username}`
