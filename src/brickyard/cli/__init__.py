"""The `brickyard` command line: thin commands over the Workspace and its services."""
