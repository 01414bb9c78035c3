"""The reference backend: the workload scaleout models, following its env contract.

Env (set by every scaleout target):
  WEB_CONCURRENCY      uvicorn worker processes (uvicorn reads it itself)
  DB_POOL_SIZE         SQLAlchemy QueuePool pool_size, per worker process
  DB_POOL_PRE_PING     "0" turns off the checkout ping that survives a Postgres restart (default on)
  DB_MAX_OVERFLOW      SQLAlchemy QueuePool max_overflow, per worker process
  DATABASE_URL         postgresql://user@host:port/db, without a password
  DB_PASSWORD_FILE     file holding the database password
  REDIS_URL            redis://host:port/db, without a password
  REDIS_POOL_SIZE      redis-py pool max_connections, per worker process
  REDIS_PASSWORD_FILE  file holding the Redis password
  INSTANCE_NAME        instance id reported by /api/health (default: the hostname)
  DB_POOL_TIMEOUT, REDIS_POOL_TIMEOUT
                       seconds a request waits for a free pooled connection (default 30)

Each worker process builds its own engine and Redis pool lazily, on first use, so nothing
is opened in the uvicorn parent and no connection is shared across a fork.

PROMETHEUS_MULTIPROC_DIR (set by the Dockerfile, not by the targets) is a directory private
to the replica: /metrics then reports all of the replica's workers, not just the one that
answers the scrape.
"""

import glob
import json
import os
import socket
import threading
import time

import redis
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

INSTANCE = os.environ.get("INSTANCE_NAME") or socket.gethostname()


def _nodelay_on_inherited_listeners() -> None:
    """With --workers N, uvicorn binds the listener itself with proto 0; accepted sockets
    inherit proto 0 and asyncio then skips TCP_NODELAY, so on Linux every keep-alive response
    after the first waits ~40 ms for the peer's delayed ACK (Kludex/uvicorn#3149). nginx's
    upstream keepalive hits exactly that. Set TCP_NODELAY on every TCP stream, whatever proto."""
    import asyncio.base_events as base_events

    def set_nodelay(sock: socket.socket) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass

    base_events._set_nodelay = set_nodelay  # noqa: SLF001


_nodelay_on_inherited_listeners()

# With W uvicorn workers a scrape reaches one of them, so in-process metrics would show 1/W
# of the replica. prometheus_client's multiprocess mode has each worker write its values to
# files in a directory the replica's workers share, and /metrics sums them.
METRICS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def _pid_alive(pid: int) -> bool:
    """A zombie is dead too: uvicorn's supervisor does not reap a worker that was killed."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            stat = f.read()
    except FileNotFoundError:
        return False
    except OSError:  # no procfs: ask the kernel, which cannot tell a zombie
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return True
    # "pid (comm) state ...": comm may hold spaces and parentheses.
    return stat[stat.rindex(")") + 2 :].split(" ", 1)[0] != "Z"


def _forget_dead_workers() -> None:
    """Drops the live gauges of workers that died without a shutdown (SIGKILL, OOM): livesum
    would add their last values forever. Counters stay, so totals never go backwards."""
    for path in glob.glob(os.path.join(METRICS_DIR, "gauge_live*_*.db")):
        pid = int(path.rsplit("_", 1)[1][: -len(".db")])
        if not _pid_alive(pid):
            multiprocess.mark_process_dead(pid, METRICS_DIR)


if METRICS_DIR:
    os.makedirs(METRICS_DIR, exist_ok=True)
    # After a container restart pids start over, and this pid's gauges may be a dead
    # predecessor's; start them from zero.
    multiprocess.mark_process_dead(os.getpid(), METRICS_DIR)
    _forget_dead_workers()

REQUESTS = Counter("http_requests_total", "HTTP requests", ["service", "path", "status"])
LATENCY = Histogram("http_request_duration_seconds", "Request latency", ["service", "path"])
# Gauges are per replica: the sum over its live workers (per worker without METRICS_DIR).
DB_CHECKED_OUT = Gauge("backend_db_pool_checked_out", "DB connections checked out of the replica's pools", multiprocess_mode="livesum")
DB_OVERFLOW = Gauge("backend_db_pool_overflow", "Overflow connections the replica's pools have open beyond pool_size", multiprocess_mode="livesum")
REDIS_OPEN = Gauge("backend_redis_pool_open", "Redis connections the replica's pools have opened", multiprocess_mode="livesum")
ACTIVE = Gauge("backend_connections_active", "Requests being served by the replica", multiprocess_mode="livesum")

app = FastAPI(title="scaleout reference backend")

_lock = threading.Lock()
_engine = None
_redis_pool = None


def _read_secret(var: str) -> str | None:
    path = os.environ.get(var)
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def engine():
    """This worker's engine: QueuePool(pool_size=DB_POOL_SIZE, max_overflow=DB_MAX_OVERFLOW)."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                url = os.environ.get("DATABASE_URL")
                if not url:
                    return None
                u = make_url(url)
                password = _read_secret("DB_PASSWORD_FILE")
                if password is not None:
                    u = u.set(password=password)
                _engine = create_engine(
                    u,
                    poolclass=QueuePool,
                    pool_size=int(os.environ.get("DB_POOL_SIZE", "5")),
                    max_overflow=int(os.environ.get("DB_MAX_OVERFLOW", "10")),
                    pool_timeout=float(os.environ.get("DB_POOL_TIMEOUT", "30")),
                    # A pooled connection that died with a Postgres restart is replaced on
                    # checkout instead of failing the request that drew it.
                    pool_pre_ping=os.environ.get("DB_POOL_PRE_PING", "1") != "0",
                )
    return _engine


def redis_pool():
    """This worker's Redis pool, capped at REDIS_POOL_SIZE; callers wait for a free one."""
    global _redis_pool
    if _redis_pool is None:
        with _lock:
            if _redis_pool is None:
                url = os.environ.get("REDIS_URL")
                if not url:
                    return None
                _redis_pool = redis.BlockingConnectionPool.from_url(
                    url,
                    max_connections=int(os.environ.get("REDIS_POOL_SIZE", "10")),
                    timeout=float(os.environ.get("REDIS_POOL_TIMEOUT", "30")),
                    password=_read_secret("REDIS_PASSWORD_FILE"),
                )
    return _redis_pool


def _pool_state() -> dict:
    e = _engine
    if e is None:
        return {}
    # QueuePool.overflow() counts from -pool_size until the pool is full; above 0 it is overflow.
    return {
        "checked_out": e.pool.checkedout(),
        "open": e.pool.checkedout() + e.pool.checkedin(),
        "overflow": max(0, e.pool.overflow()),
    }


def _error(kind: str, exc: Exception, status: int = 500) -> JSONResponse:
    # Work endpoints answer 500, not 503: nginx retries 502/503/504 on another replica, which
    # would hide a refused connection from the caller. Only /api/health says 503 (unhealthy).
    return JSONResponse(
        status_code=status,
        content={"instance": INSTANCE, "pid": os.getpid(), "error": kind, "detail": str(exc).strip()},
    )


class MetricsMiddleware:
    """Counts requests and latency per path. Plain ASGI rather than @app.middleware("http"):
    that one relays the response through a task and a stream, which splits the status line
    and the body by an event-loop turn (a crash in between cuts a response nginx has
    already started to pass on)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def send_and_count(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        ACTIVE.inc()
        try:
            await self.app(scope, receive, send_and_count)
        finally:
            ACTIVE.dec()
            REQUESTS.labels("backend", scope["path"], str(status["code"])).inc()
            LATENCY.labels("backend", scope["path"]).observe(time.perf_counter() - start)


app.add_middleware(MetricsMiddleware)


@app.get("/api/health")
def health(request: Request):
    """Instance id and worker pid; checks the database and Redis when configured (503 if one fails)."""
    checks = {}
    try:
        e = engine()
        if e is not None:
            with e.connect() as c:
                c.execute(text("SELECT 1"))
            checks["db"] = "ok"
    except (OperationalError, PoolTimeout) as exc:
        return _error("db", exc, 503)
    try:
        pool = redis_pool()
        if pool is not None:
            redis.Redis(connection_pool=pool).ping()
            checks["redis"] = "ok"
    except redis.RedisError as exc:
        return _error("redis", exc, 503)
    client = request.client
    return {
        "instance": INSTANCE,
        "pid": os.getpid(),
        "checks": checks,
        # The peer port tells the connections nginx opened apart (upstream keepalive).
        "peer": f"{client.host}:{client.port}" if client else None,
    }


@app.get("/api/slow")
def slow(seconds: float = Query(1.0, ge=0, le=60)):
    """Holds one pooled connection in pg_sleep: saturates the pool. A sync endpoint, so it
    runs in anyio's threadpool (40 threads per worker at most)."""
    e = engine()
    if e is None:
        return JSONResponse(status_code=500, content={"error": "config", "detail": "DATABASE_URL is not set"})
    try:
        with e.connect() as c:
            state = _pool_state()
            DB_CHECKED_OUT.set(state["checked_out"])
            DB_OVERFLOW.set(state["overflow"])
            c.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
    except (OperationalError, PoolTimeout) as exc:
        return _error("db", exc)
    finally:
        after = _pool_state()
        DB_CHECKED_OUT.set(after.get("checked_out", 0))
        DB_OVERFLOW.set(after.get("overflow", 0))
    return {"instance": INSTANCE, "pid": os.getpid(), "slept": seconds, "pool": state}


@app.get("/api/redis-hold")
def redis_hold(seconds: float = Query(1.0, ge=0, le=60)):
    """Holds one pooled Redis connection in a BLPOP for `seconds`: saturates the Redis pool."""
    pool = redis_pool()
    if pool is None:
        return JSONResponse(status_code=500, content={"error": "config", "detail": "REDIS_URL is not set"})
    conn = None
    try:
        conn = pool.get_connection("BLPOP")
        opened = len(pool._connections)  # noqa: SLF001 - connections this worker has opened
        REDIS_OPEN.set(opened)
        key = f"scaleout:hold:{os.getpid()}:{threading.get_ident()}"
        conn.send_command("BLPOP", key, seconds)
        conn.read_response()
    except redis.RedisError as exc:
        if conn is not None:
            conn.disconnect()
        return _error("redis", exc)
    finally:
        if conn is not None:
            pool.release(conn)
    return {"instance": INSTANCE, "pid": os.getpid(), "held": seconds, "pool": {"open": opened}}


@app.post("/api/jobs")
def enqueue(id: str = Query(..., min_length=1, max_length=200), payload: str = Query(""), hold: float = Query(0, ge=0, le=60)):
    """Pushes a job on the Redis list the worker tier (worker.py) consumes."""
    pool = redis_pool()
    if pool is None:
        return JSONResponse(status_code=500, content={"error": "config", "detail": "REDIS_URL is not set"})
    try:
        redis.Redis(connection_pool=pool).lpush("scaleout:jobs", json.dumps({"id": id, "payload": payload, "hold": hold}))
    except redis.RedisError as exc:
        return _error("redis", exc)
    return {"instance": INSTANCE, "queued": id}


# GET /api/work: controlled app and DB time, and the metrics `scaleout calibrate` reads.
import work  # noqa: E402

work.register(app, engine, _error)


@app.on_event("shutdown")
def _metrics_shutdown() -> None:
    if METRICS_DIR:
        multiprocess.mark_process_dead(os.getpid(), METRICS_DIR)


@app.get("/metrics")
def metrics():
    """Prometheus metrics of the whole replica with METRICS_DIR, else of the worker that answers."""
    if not METRICS_DIR:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
    _forget_dead_workers()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=METRICS_DIR)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
