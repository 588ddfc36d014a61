"""Privacy: the candidate's own controls (preference centre, unsubscribe) and erasure and export."""
