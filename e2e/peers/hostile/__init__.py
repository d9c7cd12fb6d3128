"""hostile: an STS peer that lies, for awsmfa's integration tests (stdlib only).

server.py   HostileSTS: answers every POST (any path, any signature, no auth) for
            GetSessionToken / AssumeRole / GetCallerIdentity the way the test's mode says:
            well-formed, control characters in errors or values, stalls, drips, odd expiries.
"""
from .server import MODES, HostileSTS

__all__ = ["HostileSTS", "MODES"]
