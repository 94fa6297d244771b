import { Type, type TSchema } from 'typebox'

/** docs/product.md §3: every error has this shape, whatever its cause. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      requestId: Type.String(),
    }),
  },
)

export const Uuid = Type.String({ format: 'uuid' })
export const ActorId = Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9_:.-]+$' })
export const Timestamp = Type.String({ format: 'date-time' })
/** Free text without control characters (PostgreSQL refuses NUL, and none belongs in a filter). */
export const Text = (maxLength: number) => Type.String({ maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' })

/** `?cursor=&limit=` (limit ≤ 100, default 20). */
export const PageQuery = {
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
}

/** `{ items, nextCursor }` */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) })

/** The error statuses most authenticated routes can answer. */
export const commonErrors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  429: ErrorBody,
  500: ErrorBody,
  503: ErrorBody,
}


/** One of a fixed list of strings (a state table's values): the schema of a Literal union, typed as the list's union. */
export const OneOf = <T extends string>(values: readonly T[]) => Type.Unsafe<T>(Type.Union(values.map((v) => Type.Literal(v))))
