"""Thin deployables: the API, the queue workers and the ``quiz`` command."""
