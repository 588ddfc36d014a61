"""The one composition root: where adapters are wired to the ports logic works through, for Lambda, the tests and
`make run` alike. One module per consumer, so a function imports only the adapters it uses (cold start):
`sending` for sequence_step and campaign_step, `recruiter_api` for the recruiter routers, `capture` and
`self_service` for those functions' routes. Only this package and the handlers name adapters; api/ and logic/
never do."""
