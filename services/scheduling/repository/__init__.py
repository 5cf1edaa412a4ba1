"""All SQL of the scheduling service, one module per aggregate (asyncpg, parameters only)."""
