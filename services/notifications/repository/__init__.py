"""All SQL of the notifications service, one module per aggregate (asyncpg, parameters only)."""
