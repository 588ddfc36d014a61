"""The local runtime: the whole of Talentpool in one process on moto, started by `python -m local`."""
