"""The ``authpool`` command line, and the composition of the server from its settings."""
