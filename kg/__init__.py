"""critmin knowledge graph: the store, loading, identity and analytics."""
