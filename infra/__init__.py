"""The CDK application: one construct per concern, composed by the stack; spec.py is shared with local/."""
