"""User-pool rules: no HTTP, no SQL. Storage, delivery and triggers are reached through the
protocols declared here (``ports``); their implementations live in ``authpool.store``,
``authpool.delivery`` and ``authpool.triggers``."""
