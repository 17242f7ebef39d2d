"""Video on demand: the catalog of movies and series, and its search (issue #6)."""
