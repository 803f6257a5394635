"""The pure domain of the real-time vocabulary quiz (standard library only)."""
