"""Measuring extraction: ``scrapy eval`` scores what parknews (and, beside it,
GNE and trafilatura) extracts from a corpus of saved pages against the truth a
person checked, field by field.

``corpus`` reads a corpus directory (``manifest.json`` + pages +
``expected.json``), ``scoring`` judges one page's fields, ``peers`` runs the
other extractors, ``results`` tallies and prints a corpus's figures, and
``floor`` keeps the figures recorded in the repository from falling.
"""
