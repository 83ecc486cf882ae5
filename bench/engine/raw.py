"""The raw ceiling: redis-benchmark calling the same reserve script by EVALSHA, one reservation per request."""

import csv
import io
import subprocess
from urllib.parse import urlparse

from engine import Keys, ReserveRequest


def reserve_command(sha: str, keys: Keys, req: ReserveRequest) -> list[str]:
    """EVALSHA args for reserve-8 like ``req`` but with a random user, hold id and idempotency key per request
    (redis-benchmark replaces each ``__rand_int__``)."""
    e, show, zone = req.event_id, req.show_id, req.zone_id
    script_keys = [keys.zone(e, zone), keys.show(e, show), keys.meta(e), keys.users(e), keys.expiry(e),
                   keys.sold_out(e), keys.hold(e, "raw-__rand_int__"), keys.idem(e, "raw-__rand_int__")]  # fmt: skip
    args = [req.tenant_id, "user-__rand_int__", show, zone, "1", "raw-__rand_int__", "raw-__rand_int__",
            str(req.hold_ttl_ms), str(req.now_ms), "86400000"]  # fmt: skip
    return ["EVALSHA", sha, str(len(script_keys)), *script_keys, *args]


def run_raw(url: str, command: list[str], requests: int, clients: int) -> float:
    """Requests per second measured by redis-benchmark (-r makes each __rand_int__ a fresh 12-digit number)."""
    target = urlparse(url)
    cmd = ["redis-benchmark", "-h", target.hostname or "127.0.0.1", "-p", str(target.port or 6379),
           "-n", str(requests), "-c", str(clients), "-r", "1000000000", "--csv", *command]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300).stdout
    rows = list(csv.reader(io.StringIO(out)))
    return float(rows[-1][1])
