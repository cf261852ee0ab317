"""The critmin ontology, SHACL shapes and SKOS schemes (Turtle files), installed as critmin_ontology."""
