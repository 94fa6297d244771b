"""The "seed design": the FastAPI service PrintForge replaced, rebuilt as a benchmark peer.

A faithful reimplementation of that design's hot read path, used ONLY by `npm run bench -- api`
(apps/api/bench/api.bench.ts) to compare GET /jobs/:id with it on the same machine, stack, data and
tokens. It is never deployed, imported or tested as product code.

Per request it does what the seed did:
- HS256 JWT verification with python-jose (claims actor_id, actor_type; exp and iat required,
  30 s leeway); a missing or invalid token is a 401;
- a Redis rate limit per actor, 100/minute, with the `limits` library and its (synchronous) Redis
  storage: slowapi's backend and its default fixed-window strategy;
- an asyncpg pool as the application role: BEGIN; set_config('app.actor_id', ..., true);
  set_config('app.role', 'customer', true); the API's DETAIL_SQL with the owner filter; COMMIT;
- the same JSON shape as the API, {"job": {...}}, or a 404.

`hello` is a bare FastAPI app (the Python counterpart of the bench's Fastify hello).

Debian's packages only (python3-fastapi, python3-uvicorn, python3-jose, python3-limits,
python3-asyncpg, python3-redis) and Debian's /usr/bin/python3, run by uvicorn:

    SEED_DATABASE_URL=... SEED_REDIS_URL=... SEED_JWT_SECRET=... \
      /usr/bin/python3 -m uvicorn app:app --app-dir apps/api/bench/seed-design \
      --port 8000 --workers 2 --no-access-log --log-level warning

Environment: SEED_DATABASE_URL (postgresql://, the app role), SEED_REDIS_URL (redis://:password@...),
SEED_JWT_SECRET, SEED_POOL_SIZE (per worker, default 8), SEED_MIDDLEWARE=1 (adds the seed's own
CORS, trusted-host and security-header middleware), SEED_ALLOWED_ORIGIN, SEED_ALLOWED_HOSTS
(comma-separated).
"""

import json
import os
import uuid
from datetime import datetime, timezone

import asyncpg
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from jose import JWTError, jwt
from limits import RateLimitItemPerMinute
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter
from starlette.middleware.trustedhost import TrustedHostMiddleware

# apps/api/src/services/scan-jobs.service.ts, DETAIL_SQL, unchanged.
DETAIL_SQL = """
  SELECT j.id, j.customer_id, j.title, j.notes, j.status, j.image_count, j.failure_reason, j.created_at, j.updated_at,
         COALESCE(json_agg(json_build_object(
           'id', i.id, 'filename', i.original_filename, 'bytes', i.bytes, 'width', i.width, 'height', i.height,
           'sha256', i.sha256, 'status', i.status, 'failureReason', i.failure_reason
         ) ORDER BY i.created_at, i.id) FILTER (WHERE i.id IS NOT NULL), '[]') AS images
    FROM scan_jobs j LEFT JOIN scan_images i ON i.job_id = j.id
   WHERE j.id = $1 AND ($2::text IS NULL OR j.customer_id = $2)
   GROUP BY j.id"""

JWT_SECRET = os.environ.get("SEED_JWT_SECRET", "")
POOL_SIZE = int(os.environ.get("SEED_POOL_SIZE", "8"))

# The strategy keeps only a weak reference to its storage: the module holds the storage itself.
storage = RedisStorage(os.environ.get("SEED_REDIS_URL", "redis://127.0.0.1:6379"))
limiter = FixedWindowRateLimiter(storage)
PER_ACTOR = RateLimitItemPerMinute(100)

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"statusCode": status, "code": code, "message": message}, status_code=status)


def iso(value: datetime) -> str:
    """JavaScript's Date#toISOString: UTC, milliseconds, Z."""
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


@app.on_event("startup")
async def open_pool() -> None:
    app.state.pool = await asyncpg.create_pool(os.environ["SEED_DATABASE_URL"], min_size=POOL_SIZE, max_size=POOL_SIZE)


@app.on_event("shutdown")
async def close_pool() -> None:
    await app.state.pool.close()


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@app.get("/jobs/{job_id}")
async def get_job(job_id: uuid.UUID, request: Request):
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return error(401, "UNAUTHENTICATED", "Authentication required.")
    try:
        claims = jwt.decode(
            header[7:], JWT_SECRET, algorithms=["HS256"],
            options={"require_exp": True, "require_iat": True, "leeway": 30},
        )
    except JWTError:
        return error(401, "UNAUTHENTICATED", "Authentication required.")
    actor_id, actor_type = claims.get("actor_id"), claims.get("actor_type")
    if not isinstance(actor_id, str) or actor_type != "customer":
        return error(401, "UNAUTHENTICATED", "Authentication required.")

    if not limiter.hit(PER_ACTOR, "actor", actor_id):
        return error(429, "RATE_LIMITED", "Rate limit exceeded, retry in 1 minute.")

    async with app.state.pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.actor_id', $1, true)", actor_id)
            await conn.execute("SELECT set_config('app.role', $1, true)", "customer")
            row = await conn.fetchrow(DETAIL_SQL, str(job_id), actor_id)
    if row is None:
        return error(404, "NOT_FOUND", "Job not found.")
    return {
        "job": {
            "id": str(row["id"]),
            "customerId": row["customer_id"],
            "title": row["title"],
            "status": row["status"],
            "imageCount": row["image_count"],
            "createdAt": iso(row["created_at"]),
            "updatedAt": iso(row["updated_at"]),
            "notes": row["notes"],
            "failureReason": row["failure_reason"],
            "images": json.loads(row["images"]),
        }
    }


if os.environ.get("SEED_MIDDLEWARE") == "1":
    SECURITY_HEADERS = {
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "referrer-policy": "no-referrer",
        "strict-transport-security": "max-age=31536000; includeSubDomains",
        "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-resource-policy": "same-origin",
    }

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    app.add_middleware(
        CORSMiddleware,
        allow_origins=[os.environ.get("SEED_ALLOWED_ORIGIN", "https://shop.example.com")],
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["authorization", "content-type"],
    )
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=os.environ.get("SEED_ALLOWED_HOSTS", "127.0.0.1,localhost").split(","))


hello = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@hello.get("/")
async def say_hello() -> dict:
    return {"hello": "world"}
