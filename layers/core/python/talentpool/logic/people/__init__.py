"""People in the pool: profiles, stages, the engagement score, search and segments."""
