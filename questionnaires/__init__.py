"""The published FHIR artifacts, installed as ``fhir_werk.questionnaires`` (package data)."""
