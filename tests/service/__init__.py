"""Tests of the FHIR service (fhir_werk.service), one module per operation family."""
