"""The ``quiz`` command: serve, import, demo, workers, the cloud bootstrap."""
