"""Reports: the incremental aggregates and the report job that reads them."""
