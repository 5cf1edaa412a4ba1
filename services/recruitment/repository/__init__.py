"""All SQL of the recruitment service, one module per aggregate (asyncpg, parameters only)."""
