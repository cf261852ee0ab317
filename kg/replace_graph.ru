# Swaps a freshly staged graph and its catalog entry in, in one transaction.
# pyoxigraph's update() takes no substitutions, so the caller fills the $-placeholders with IRIs that it minted and
# checked itself (never with text from a request).
DROP SILENT GRAPH $graph ;
MOVE SILENT GRAPH $staged_data TO GRAPH $graph ;
DELETE { GRAPH $catalog { ?s ?p ?o } }
WHERE {
  GRAPH $catalog { ?s ?p ?o }
  FILTER (?s IN ($graph, $activity) || STRSTARTS(STR(?s), $problem_prefix))
} ;
ADD SILENT GRAPH $staged_catalog TO GRAPH $catalog ;
DROP SILENT GRAPH $staged_catalog
