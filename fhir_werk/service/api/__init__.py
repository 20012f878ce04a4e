"""One module per FHIR interaction or operation, and the dependencies they share."""
