# Puts a staged graph and its staged catalog entry in place in one transaction (pyoxigraph's update() is atomic):
# readers see the old graph and entry or the new ones, never a mix. kg/loading.py write_graph_atomically fills the
# $-placeholders with IRIs it minted. $cleared is the graph itself for a replacement, and for an append a staging
# IRI that holds nothing, so that one text serves both.
CREATE SILENT GRAPH $graph ;
CLEAR SILENT GRAPH $cleared ;
ADD SILENT GRAPH $staged_data TO GRAPH $graph ;
DROP SILENT GRAPH $staged_data ;
DROP SILENT GRAPH $companion ;
ADD SILENT GRAPH $staged_catalog TO GRAPH $companion ;
DROP SILENT GRAPH $staged_catalog
