"""Marshmallow schemas: one module per document type, shared pieces in ``base`` and ``common``."""
