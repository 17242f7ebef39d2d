"""HTTP routers: thin layers over the areas' domain modules."""
