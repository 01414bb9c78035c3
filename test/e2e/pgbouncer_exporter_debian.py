"""Debian's prometheus-pgbouncer-exporter 1.7, run without its SHOW STATS collector.

The packaged program exits at start against Debian 12's PgBouncer 1.18: its StatsCollector
reads `total_requests`, a SHOW STATS column PgBouncer renamed in 1.8. Everything else is the
package's own code, as its cli.main wires it: one psycopg2 connection to the `pgbouncer`
admin console (utils.get_connection), opened at start and shared by every collector, and the
pools, databases and lists collectors.

Usage: pgbouncer_exporter_debian.py LISTEN_PORT PGBOUNCER_HOST PGBOUNCER_PORT USER
(the password comes from PGPASSWORD, which libpq reads).
"""
import sys
from http.server import HTTPServer

from prometheus_client.core import REGISTRY
from prometheus_pgbouncer_exporter.collectors import DatabasesCollector, ListsCollector, PoolsCollector
from prometheus_pgbouncer_exporter.exposition import create_request_handler
from prometheus_pgbouncer_exporter.utils import get_connection

listen_port, host, port, user = sys.argv[1:5]
connection = get_connection(user, port, host)
REGISTRY.register(PoolsCollector(connection=connection, databases=None))
REGISTRY.register(DatabasesCollector(connection=connection, databases=None))
REGISTRY.register(ListsCollector(connection=connection))
HTTPServer(("127.0.0.1", int(listen_port)), create_request_handler("/dev/null")).serve_forever()
