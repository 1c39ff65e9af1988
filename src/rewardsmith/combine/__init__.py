"""Composition (weighted sums, gates, ensembles) and transforms of child rewards."""
