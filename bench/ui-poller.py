#!/usr/bin/env python3
"""Does what the /_mock/ui page does once a second, on one kept-alive connection, until killed:
GET /_mock/requests?after=N&limit=500 (N: the newest seq seen), /_mock/coverage, /_mock/outcome,
/_mock/health. One long-lived process, so its own CPU stays small: a shell loop starting curl,
grep and cut each second cost the load core enough to slow wrk, which then paced the server
differently; that measured the poller, not the page.

    python3 bench/ui-poller.py http://127.0.0.1:PORT
"""
import http.client
import re
import sys
import time
import urllib.parse

url = urllib.parse.urlparse(sys.argv[1])
after = 0
seq = re.compile(rb'"seq":(\d+)')
connection = None
while True:
    try:
        if connection is None:
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
        for path in (f"/_mock/requests?after={after}&limit=500", "/_mock/coverage", "/_mock/outcome", "/_mock/health"):
            connection.request("GET", path)
            body = connection.getresponse().read()
            if path.startswith("/_mock/requests"):
                seen = seq.findall(body)
                if seen:
                    after = int(seen[-1])
    except (OSError, http.client.HTTPException):
        connection = None
    time.sleep(1)
