"""HTTP layer: FastAPI under ``/api/v1``, thin routers that parse, authorise and call services."""
