"""The ASGI app for servers that import it (``gunicorn ... entrypoints.api.asgi:app``)."""

from entrypoints.api.app import create_app
from entrypoints.settings import settings_or_exit

app = create_app(settings_or_exit("api"))
