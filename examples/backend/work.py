"""A controlled-work endpoint and the metrics `scaleout calibrate` reads (docs/PLANNER.md).

GET /api/work?app_ms=&db_ms=&dist=const|exp
  app_ms  CPU time spent in the worker (a busy loop, holding the interpreter lock)
  db_ms   time the request holds a pooled connection (SELECT pg_sleep)
  dist    const: exactly these times; exp: exponential with these means

Metrics (per path, summed over the replica's workers in multiprocess mode):
  backend_db_pool_wait_seconds        time waiting to check a connection out of the pool
  backend_db_connection_hold_seconds  time a connection is held (checkout to return)
  backend_app_seconds                 time in the handler outside the pool (the CPU part)
  *_squares_total                     the sum of squared observations, so the variance (and
                                      the coefficient of variation) is exact, not bucketed
with http_request_duration_seconds from app.py's middleware.

A pool timeout answers 500 with error "db" (app.py's _error), as /api/slow does.
"""

import os
import random
import time

from fastapi import Query
from prometheus_client import Counter, Histogram
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, TimeoutError as PoolTimeout

# Fine buckets in the millisecond range the planner works in, up to the default pool_timeout.
_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30)

POOL_WAIT = Histogram("backend_db_pool_wait_seconds", "Time waiting for a pooled DB connection", ["path"], buckets=_BUCKETS)
HOLD = Histogram("backend_db_connection_hold_seconds", "Time a pooled DB connection is held", ["path"], buckets=_BUCKETS)
APP = Histogram("backend_app_seconds", "Time in the handler outside the DB pool", ["path"], buckets=_BUCKETS)
HOLD_SQUARES = Counter("backend_db_connection_hold_seconds_squares", "Sum of squared hold times", ["path"])
APP_SQUARES = Counter("backend_app_seconds_squares", "Sum of squared handler times outside the pool", ["path"])
POOL_TIMEOUTS = Counter("backend_db_pool_timeouts", "Requests that gave up waiting for a pooled connection", ["path"])

PATH = "/api/work"


def _draw(mean_ms: float, dist: str) -> float:
    if mean_ms <= 0:
        return 0.0
    return mean_ms if dist == "const" else random.expovariate(1.0 / mean_ms)


def _burn(ms: float) -> None:
    """Busy CPU for `ms` milliseconds of wall time: the worker's interpreter is held."""
    end = time.perf_counter() + ms / 1000.0
    while time.perf_counter() < end:
        pass


def register(app, engine, error):
    """Adds GET /api/work to `app`; `engine()` is the worker's engine, `error` app.py's error reply."""

    @app.get(PATH)
    def work(
        app_ms: float = Query(0.0, ge=0, le=10_000),
        db_ms: float = Query(0.0, ge=0, le=60_000),
        dist: str = Query("const", regex="^(const|exp)$"),
    ):
        """Spends app_ms of CPU, then holds one pooled connection for db_ms (pg_sleep). A sync
        endpoint, so it runs in anyio's threadpool (40 threads per worker at most)."""
        start = time.perf_counter()
        app_part = _draw(app_ms, dist)
        db_part = _draw(db_ms, dist)
        _burn(app_part)
        waited = held = 0.0
        if db_ms > 0:
            e = engine()
            if e is None:
                return error("config", RuntimeError("DATABASE_URL is not set"))
            asked = time.perf_counter()
            try:
                with e.connect() as c:
                    got = time.perf_counter()
                    waited = got - asked
                    c.execute(text("SELECT pg_sleep(:s)"), {"s": db_part / 1000.0})
                held = time.perf_counter() - got
            except PoolTimeout as exc:
                POOL_TIMEOUTS.labels(PATH).inc()
                POOL_WAIT.labels(PATH).observe(time.perf_counter() - asked)
                return error("db", exc)
            except OperationalError as exc:
                return error("db", exc)
            POOL_WAIT.labels(PATH).observe(waited)
            HOLD.labels(PATH).observe(held)
            HOLD_SQUARES.labels(PATH).inc(held * held)
        outside = time.perf_counter() - start - waited - held
        APP.labels(PATH).observe(outside)
        APP_SQUARES.labels(PATH).inc(outside * outside)
        return {"pid": os.getpid(), "app_ms": app_part, "db_ms": db_part, "waited_ms": waited * 1000.0, "held_ms": held * 1000.0}
