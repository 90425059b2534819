"""Benchmarks for the figures in QUALITY.md: ``python -m bench`` (or ``python3 dev.py bench``).

Each measurement is printed beside a reference measured in the same run (the machine is
noisy) and beside its target. See ``python -m bench --help``.
"""
