# Deletes a partner graph and its catalog companion in one transaction (kg/loading.py drop_graph_atomically).
DROP SILENT GRAPH $graph ;
DROP SILENT GRAPH $companion
