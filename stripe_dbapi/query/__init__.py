"""Pure planning: SQL + catalog + parameters → Plan. No client, engine, HTTP or DuckDB."""
