"""Task tries in worker processes on this machine (the embedded executor)."""
