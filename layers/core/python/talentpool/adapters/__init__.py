"""Adapters: the implementations of the ports against real services. Only this package imports boto3."""
