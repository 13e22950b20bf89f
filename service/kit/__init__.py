"""The toolkit document types are built with: the plugin interface a type declares
(:mod:`.plugin`), and what its templates are made of.

It sits below the document types and above the schemas: nothing here imports a document
type, the render core, the database or any adapter.
"""
