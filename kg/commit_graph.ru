# Completes a load, after remove_catalog_entry.ru in the same transaction (pyoxigraph's update() is atomic). For a
# replacement, $cleared is the graph itself and $staged_data holds the new content, which takes the old one's place;
# for a new graph, written in place, both are a staging IRI that holds nothing and $marker is the incomplete-load
# marker that goes away. Then the new catalog entry goes in. Readers see the old graph and entry or the new ones.
CREATE SILENT GRAPH $graph ;
CLEAR SILENT GRAPH $cleared ;
ADD SILENT GRAPH $staged_data TO GRAPH $graph ;
DROP SILENT GRAPH $staged_data ;
ADD SILENT GRAPH $staged_catalog TO GRAPH $catalog ;
DROP SILENT GRAPH $staged_catalog ;
DROP SILENT GRAPH $marker
