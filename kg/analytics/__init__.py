"""Supply-chain indicators computed from the graph: concentration, import reliance, list overlap (and, in
``chains.py``, bottlenecks and what-if). ``materialise.py`` writes them, with their method, as RDF."""
