"""A seed test config: three workers on port 8000; prints what the tests read back."""

import json

loglevel = "warning"
workers = 3
bind = "0.0.0.0:8000"
errorlog = "-"

print(json.dumps({"loglevel": loglevel, "workers": workers, "bind": bind}))
