"""Infrastructure tests: the synthesised CloudFormation, cdk-nag and cfn-lint."""
