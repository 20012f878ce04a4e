"""EPD adapters, installed as ``fhir_werk.adapters``."""
