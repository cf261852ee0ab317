"""One module per structured source, each mapping a source file to RDF."""
