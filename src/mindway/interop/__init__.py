"""Interoperability: FHIR R4 resources (through ``fhir.resources.R4B``)."""
