"""Shared helpers for the companion scripts: paths, flags, devices, seeds, data, figures, printing.

Each module imports its framework lazily, so a TensorFlow script never loads PyTorch and the
other way round.
"""
