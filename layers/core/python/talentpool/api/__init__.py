"""Routers of the recruiter API, one per resource, composed by functions/recruiter_api."""
