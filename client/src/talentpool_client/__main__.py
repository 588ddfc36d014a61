"""`python -m talentpool_client`, the same as the `talentpool` command."""

from talentpool_client.cli import main

main()
