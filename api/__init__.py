"""critmin HTTP API: FastAPI app, routers and templates."""
