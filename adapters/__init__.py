"""Adapters: one implementation of a domain port per technology."""
