"""The reference worker tier: a Redis-queue consumer that writes each job to Postgres.

It follows the same env contract as the API (scaleout counts it the same way):
  WEB_CONCURRENCY      worker processes; each opens its own DB pool and Redis pool
  DB_POOL_SIZE, DB_MAX_OVERFLOW, DATABASE_URL, DB_PASSWORD_FILE
  REDIS_URL, REDIS_POOL_SIZE, REDIS_PASSWORD_FILE
  WORKER_THREADS       consumer threads per process (default DB_POOL_SIZE + DB_MAX_OVERFLOW,
                       so a saturated process holds exactly its pool's most)
  METRICS_PORT         serve Prometheus /metrics on this port (default: none)
  HEARTBEAT_DIR        where each process marks itself alive (default /tmp/scaleout-worker)

Jobs are JSON on the list `scaleout:jobs` (the API's POST /api/jobs pushes them):
  {"id": "...", "payload": "...", "hold": seconds}
`hold` keeps the job's database connection in pg_sleep first, to saturate the pools.

`python3 worker.py --check` is the exec healthcheck: it opens no connection (a probe must
not count against the budgets) and succeeds when a process marked itself alive recently.
"""

import json
import multiprocessing
import os
import socket
import sys
import threading
import time

QUEUE = "scaleout:jobs"
HEARTBEAT_DIR = os.environ.get("HEARTBEAT_DIR", "/tmp/scaleout-worker")
# A consumer waits at most this long in BRPOP, so its heartbeat is never older than that.
POLL_SECONDS = 1
STALE_SECONDS = 30


def _read_secret(var: str):
    path = os.environ.get(var)
    if not path:
        return None
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


def _beat() -> None:
    path = os.path.join(HEARTBEAT_DIR, str(os.getpid()))
    with open(path, "w", encoding="utf-8") as f:
        f.write(str(time.time()))


def check() -> int:
    """Healthy when any process beat within STALE_SECONDS."""
    now = time.time()
    try:
        ages = [now - os.path.getmtime(os.path.join(HEARTBEAT_DIR, n)) for n in os.listdir(HEARTBEAT_DIR)]
    except FileNotFoundError:
        return 1
    return 0 if any(a < STALE_SECONDS for a in ages) else 1


def process_main(index: int) -> None:
    """One worker process: its own engine and Redis pool, WORKER_THREADS consumers."""
    import redis
    from prometheus_client import Counter
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import QueuePool

    size = int(os.environ.get("DB_POOL_SIZE", "5"))
    overflow = int(os.environ.get("DB_MAX_OVERFLOW", "10"))
    url = make_url(os.environ["DATABASE_URL"])
    password = _read_secret("DB_PASSWORD_FILE")
    if password is not None:
        url = url.set(password=password)
    engine = create_engine(url, poolclass=QueuePool, pool_size=size, max_overflow=overflow, pool_timeout=30)
    pool = redis.BlockingConnectionPool.from_url(
        os.environ["REDIS_URL"],
        max_connections=int(os.environ.get("REDIS_POOL_SIZE", "10")),
        timeout=30,
        password=_read_secret("REDIS_PASSWORD_FILE"),
    )
    jobs = Counter("worker_jobs_total", "Jobs the worker processed", ["status"])
    name = f"{os.environ.get('INSTANCE_NAME') or socket.gethostname()}:{os.getpid()}"

    def consume() -> None:
        client = redis.Redis(connection_pool=pool)
        while True:
            _beat()
            try:
                item = client.brpop(QUEUE, timeout=POLL_SECONDS)
            except redis.RedisError as exc:
                print(f"worker {name}: redis: {exc}", file=sys.stderr, flush=True)
                time.sleep(POLL_SECONDS)
                continue
            if item is None:
                continue
            job = json.loads(item[1])
            try:
                with engine.begin() as c:
                    if job.get("hold"):
                        c.execute(text("SELECT pg_sleep(:s)"), {"s": float(job["hold"])})
                    c.execute(
                        text("INSERT INTO processed_jobs (id, payload, worker) VALUES (:id, :payload, :worker) ON CONFLICT (id) DO NOTHING"),
                        {"id": str(job["id"]), "payload": str(job.get("payload", "")), "worker": name},
                    )
                jobs.labels("ok").inc()
            except Exception as exc:  # noqa: BLE001 - a failed job must not stop the consumer
                jobs.labels("error").inc()
                print(f"worker {name}: job {job.get('id')}: {exc}", file=sys.stderr, flush=True)

    threads = int(os.environ.get("WORKER_THREADS") or size + overflow)
    for _ in range(threads):
        threading.Thread(target=consume, daemon=True).start()
    while True:
        time.sleep(3600)


def main() -> int:
    if "--check" in sys.argv[1:]:
        return check()
    os.makedirs(HEARTBEAT_DIR, exist_ok=True)
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if metrics_dir:
        os.makedirs(metrics_dir, exist_ok=True)
    port = os.environ.get("METRICS_PORT")
    if port:
        from prometheus_client import CollectorRegistry, REGISTRY, multiprocess, start_http_server

        registry = REGISTRY
        if metrics_dir:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=metrics_dir)
        start_http_server(int(port), registry=registry)
    processes = [multiprocessing.Process(target=process_main, args=(i,), daemon=True) for i in range(int(os.environ.get("WEB_CONCURRENCY", "1")))]
    for p in processes:
        p.start()
    # A process that dies takes the tier down: the orchestrator restarts the container.
    while all(p.is_alive() for p in processes):
        time.sleep(1)
    return 1


if __name__ == "__main__":
    sys.exit(main())
