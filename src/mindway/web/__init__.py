"""Server-rendered pages (Jinja2 and a little htmx) for phones, slow networks and keyboards."""
