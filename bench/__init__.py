"""Benchmarks (not tests): each module measures one thing and records it in bench/results.json."""
