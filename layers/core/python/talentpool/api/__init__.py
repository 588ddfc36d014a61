"""Powertools routers, one per resource: the recruiter API's (composed by functions/recruiter_api), and the
public capture and self-service routes (composed by their functions)."""
