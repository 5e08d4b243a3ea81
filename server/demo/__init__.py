"""Synthetic demo data for the central index: demo users, showcase children, random children.

Everything here is invented (PRODUCT.md §8): name pools of common names that identify no
one, fictional streets, postcodes made from plausible outward codes with random inward
codes, NHS numbers from the range reserved for testing, and Ofcom's drama telephone
numbers. ``seed.seed_demo`` is the entry point (``python -m server seed-demo``).
"""
