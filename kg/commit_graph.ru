# Completes a load, after remove_catalog_entry.ru in the same transaction: the new catalog entry goes in and the
# marker that said the graph was incomplete goes away.
ADD SILENT GRAPH $staged_catalog TO GRAPH $catalog ;
DROP SILENT GRAPH $staged_catalog ;
DROP SILENT GRAPH $marker
