"""TF1's public ops, each a composition of primitives (rnngraph/primitives)."""
