"""authpool: a self-hosted user directory and sign-in server speaking the Cognito user-pool API."""

__version__ = "0.1.0"
