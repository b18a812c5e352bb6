"""The database: models, sessions, migrations and the queries the engine needs."""
