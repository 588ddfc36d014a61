"""Sequences: their definitions and built-ins, and the engage rounds that run one candidate through one."""
