"""The service's database: engine, schema and migrations, the store, the outbox queue, ledger and audit
tables."""
