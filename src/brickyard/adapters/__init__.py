"""Adapters: one module or package per technology, behind the ports in brickyard.ports."""
