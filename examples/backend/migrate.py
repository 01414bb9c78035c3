"""The reference backend's migration: creates the table the worker writes to.

Run once per deploy before the backends start (compose: a one-shot service; Kubernetes: an
init container in every pod; Pulumi: a container that must exit 0 first). It is idempotent
and takes a Postgres advisory lock, so copies that start at once (one init container per
surging pod) run one after another and all but the first find nothing to do.

Env: DATABASE_URL and DB_PASSWORD_FILE (straight to Postgres, never through PgBouncer);
DB_POOL_SIZE is the connections it may hold (it uses one).
"""

import os
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

# Any constant both copies agree on: pg_advisory_lock serializes every holder of it.
LOCK_ID = 0x5CA1E0

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS processed_jobs (
        id text PRIMARY KEY,
        payload text NOT NULL,
        worker text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now()
    )""",
]


def main() -> int:
    url = make_url(os.environ["DATABASE_URL"])
    path = os.environ.get("DB_PASSWORD_FILE")
    if path:
        with open(path, encoding="utf-8") as f:
            url = url.set(password=f.read().strip())
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as c:
        c.execute(text("SELECT pg_advisory_lock(:id)"), {"id": LOCK_ID})
        try:
            with c.begin():
                for statement in SCHEMA:
                    c.execute(text(statement))
        finally:
            c.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": LOCK_ID})
    print("migrate: schema is current", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
