"""Use cases. Each service takes its ports in the constructor and holds the behaviour."""
