"""The cloud profile's queue workers and stream processor, one deployable each."""
