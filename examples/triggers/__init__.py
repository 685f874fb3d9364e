"""Trigger handlers for authpool, written exactly as for AWS Lambda (``handler(event,
context)``): see README.md in this directory."""
