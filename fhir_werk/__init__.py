"""fhir-werk: work in the mental-health treatment plan, as FHIR R4."""
