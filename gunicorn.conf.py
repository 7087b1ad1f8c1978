"""gunicorn settings; each can be overridden on the command line or by GUNICORN_* variables."""

import multiprocessing
import os

# Threads serve the waiting (database, slow phones); processes use the cores.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# Each worker builds its own app (and engine) after the fork: no shared connections.
preload_app = False
