"""talentpool-client: the `talentpool` command line for Talentpool's recruiter API."""

__version__ = "0.1.0"
