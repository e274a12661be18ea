"""The eval harness: ``python -m evals`` scores the advisor's answers (see evals/README.md)."""
