"""The delivery worker that drains the outbox through the adapters."""
