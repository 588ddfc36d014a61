"""Powertools routers, one per resource: the recruiter API's (composed by functions/recruiter_api), and the
public capture and self-service routes (composed by their functions).

A route parses, authorises, calls one logic function and shapes the response. No business rule lives here, and
no adapter is imported: stores come from talentpool.composition (recruiter_api, capture, self_service) through
Depends or the module's wiring.
"""
