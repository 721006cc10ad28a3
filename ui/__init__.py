"""UI helpers shared by every page: translations, controls, figures, formatting.

Nothing in here computes a number the app shows; that is `pooling_core`'s job.
"""
