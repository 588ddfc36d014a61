"""The match-evaluation set (issue 12, section 2): jobs, profiles, graded labels, the BM25 baseline and metrics."""
