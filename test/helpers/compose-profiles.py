"""Prints, as JSON, the services docker-compose 1.29 starts for `up` under each profile given.

Uses docker-compose's own project model (the Debian package, under /usr/bin/python3) with an
engine stub that finds nothing, so no Docker engine is needed. A service that depends on one
its profile does not enable makes docker-compose raise, as `up` would.
usage: /usr/bin/python3 compose-profiles.py DIR PROFILE...
"""
import json
import logging
import sys

from compose.config import config
from compose.config.environment import Environment
from compose.project import Project
from docker.errors import NotFound

logging.disable(logging.WARNING)


class Offline:
    """An engine where every object compose looks up is absent, as on a fresh host."""

    _version = '1.41'

    def __getattr__(self, name):
        def absent(*args, **kwargs):
            raise NotFound(name)

        return absent


directory, profiles = sys.argv[1], sys.argv[2:]
details = config.find(directory, None, Environment.from_env_file(directory))
loaded = config.load(details, interpolate=True)
out = {}
for profile in profiles:
    project = Project.from_config('scaleout', loaded, Offline(), enabled_profiles=[profile])
    out[profile] = sorted(s.name for s in project.get_services(include_deps=True, auto_enable_profiles=False))
print(json.dumps(out))
