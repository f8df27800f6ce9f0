"""healthkg: the knowledge graph of the Rennes health technologies and sciences cluster."""

__version__ = "0.1.0"
