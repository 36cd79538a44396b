"""The container's HEALTHCHECK: GET /healthz on this host, as a host name Django accepts.

Exit 0 when the database and the index answer, 1 otherwise (stdlib only, no curl in the image).
"""

import os
import sys
import urllib.error
import urllib.request

port = os.environ.get("BIND", "127.0.0.1:8000").rpartition(":")[2]
host = (os.environ.get("ALLOWED_HOSTS", "127.0.0.1").split(",")[0].strip() or "127.0.0.1").lstrip(".")
request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": host.replace("*", "localhost")})
try:
    with urllib.request.urlopen(request, timeout=4) as response:
        sys.exit(0 if response.status == 200 else 1)
except (urllib.error.URLError, OSError) as error:
    print(f"unhealthy: {error}", file=sys.stderr)
    sys.exit(1)
