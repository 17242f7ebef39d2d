"""The TV and phone portals."""
