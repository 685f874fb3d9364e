"""The Cognito JSON 1.1 protocol: the operation table, request validation against the
official API model, shape conversion between wire keys and the domain's snake_case keys,
and the error envelope."""
