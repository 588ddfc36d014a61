"""Operations: the operator's view of parked work and its replay."""
