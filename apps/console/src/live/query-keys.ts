// The query keys the pages read and the live stream writes: one list, so both sides agree.
export const queryKeys = {
  printers: ['printers'] as const,
  manufacturing: ['manufacturing'] as const,
  manufacturingLists: ['manufacturing', 'list'] as const,
  manufacturingList: (cursor: string | undefined) => ['manufacturing', 'list', cursor ?? ''] as const,
  manufacturingJob: (id: string) => ['manufacturing', 'job', id] as const,
}
