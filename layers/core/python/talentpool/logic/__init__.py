"""Business rules. Logic never sees an HTTP event and never imports boto3: it works through store protocols."""
