// Where group staff may dispatch (docs/product.md §5.4): a group admin names a printer of a group
// it administers. "Any printer of model M" is for global admins only: the worker may place such a
// job on any printer of the farm. The database refuses the same insert (policy group_dispatch);
// this check runs first so the answer is a clear 4xx before the model is stored.
import { AppError } from '@printforge/errors'
import type { Tx } from '@printforge/db'

export async function assertGroupDispatch(tx: Tx, actorId: string, printerId: string | undefined): Promise<void> {
  if (!printerId) throw new AppError('VALIDATION_FAILED', 'Group staff must name a printer (printerId) of a group they administer.')
  // Under the caller's own context: a printer outside its groups is invisible (404, as any unknown id).
  const printer = await tx.printer.findUnique({
    where: { id: printerId },
    select: { groups: { where: { group: { roles: { some: { userId: actorId, role: 'admin' } } } }, select: { groupId: true }, take: 1 } },
  })
  if (!printer) throw new AppError('NOT_FOUND', 'Printer not found.')
  if (printer.groups.length === 0) throw new AppError('FORBIDDEN', 'You are not an admin of a group holding this printer.')
}
