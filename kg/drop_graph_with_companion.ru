# Deletes a partner graph, its catalog companion and its linkset in one transaction (kg/loading.py
# drop_graph_atomically): links from entities that are gone would point from nothing.
DROP SILENT GRAPH $graph ;
DROP SILENT GRAPH $companion ;
DROP SILENT GRAPH $linkset
