"""The request vocabulary every layer of the service shares: HTTP, errors, routes, settings, search, time."""
