"""The ASGI app for servers that import it (``gunicorn ... entrypoints.api.asgi:app``)."""

from entrypoints.api.app import create_app

app = create_app()
