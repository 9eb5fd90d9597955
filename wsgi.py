"""WSGI entry point: `gunicorn -w 4 wsgi:app` (MARKET_CONFIG=production in production)."""
from marketplace import create_app

app = create_app()
