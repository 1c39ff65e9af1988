"""Learned rewards: sequence-classifier reward models, process reward models, LLM judges."""
