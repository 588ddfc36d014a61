"""Developer tools that are neither deployed nor tests."""
