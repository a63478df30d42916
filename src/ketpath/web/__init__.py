"""The web application: server-rendered pages (FastAPI + Jinja2 + htmx) and a JSON API."""
