"""The data-access layer: the only package that talks to AWS through boto3."""
