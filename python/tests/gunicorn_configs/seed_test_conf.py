# The seed's test fixture config (tests/test_02_app/.../gunicorn_conf.py): fixed settings, one JSON line.
import json

loglevel = "warning"
workers = 3
bind = "0.0.0.0:8000"
errorlog = "-"

log_data = {"loglevel": loglevel, "workers": workers, "bind": bind}
print(json.dumps(log_data))
