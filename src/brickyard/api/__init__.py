"""The REST API (FastAPI): Unity Catalog shapes under /api/2.1/unity-catalog."""
