# Removes one graph's catalog entry: the dataset, the activity that loaded it and the problems it reported.
# pyoxigraph's update() takes no substitutions, so the caller fills the $-placeholders with IRIs that it minted and
# checked itself (never with text from a request); see kg/loading.py.
DELETE { GRAPH $catalog { ?s ?p ?o } }
WHERE {
  GRAPH $catalog { ?s ?p ?o }
  FILTER (?s IN ($graph, $activity) || STRSTARTS(STR(?s), $problem_prefix))
}
