"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from learning import create_app

app = create_app()
