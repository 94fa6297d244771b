import type { ReactNode } from 'react'

/**
 * The console's data table: the scrolling wrapper, a header row of column headers (scope="col") and,
 * when the rows end with a cell of buttons, a last header named "Actions" for screen readers only.
 * The rows (`<tr>`s) are the children.
 */
export function DataTable({
  columns,
  actions = false,
  className,
  children,
}: {
  columns: readonly string[]
  actions?: boolean
  className?: string
  children: ReactNode
}) {
  return (
    <div className="table-wrap">
      <table className={className}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  )
}
