"""All SQL of the evaluation service, one module per aggregate (asyncpg, parameters only)."""
