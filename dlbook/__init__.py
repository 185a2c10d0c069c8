"""Shared helpers for the companion scripts: paths, flags, devices, seeds, data, figures, printing,
the book check, the gallery and the training plumbing.

No module here loads TensorFlow unless asked (dlbook.frameworks starts it for the chapter-6
scripts that use it). The chapter-8 plumbing (training, checkpoints, loader) imports PyTorch as it
is imported; the rest imports it only inside the functions that need it, so a TensorFlow script
never loads PyTorch.
"""
