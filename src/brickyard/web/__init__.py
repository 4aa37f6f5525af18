"""The workspace web UI's built files (``dist/``, built from ``ui/`` by ``make ui``)."""
