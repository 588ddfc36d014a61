"""AWS adapters: the DynamoDB repositories, SES, EventBridge, Step Functions, Scheduler, S3, Secrets Manager.

The only package that imports boto3. It implements the Protocols in talentpool.ports and translates ClientError
into the domain errors of talentpool.errors; it holds no business rule.
"""
