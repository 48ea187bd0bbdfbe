"""The benchmark app with a big import: main.py's routes (/, /pid, /slow, /block; IMPORT_DELAY_S)
plus ~50 MiB of Python objects built at import and kept for the process's life, as a big app's
module-level tables, caches and models are. What a worker shares of them with its siblings depends
on where they were built: in a preloading master or template (shared copy-on-write) or in each
worker (not at all).

BIG_ITEMS changes the number of entries (default 150 000: ~50 MiB on CPython 3.11, 64-bit)."""

import os

from main import app  # noqa: F401  (the same Starlette app and routes)

# One dict entry: a key int, and a tuple of a 24-character str, a float and a small tuple:
# ~340 bytes each with the dict's share (measured: 48.7 MiB of RSS for 150 000).
BIG = {i: (f"item-{i:019d}", float(i), (i, i + 1)) for i in range(int(os.environ.get("BIG_ITEMS") or 150_000))}
