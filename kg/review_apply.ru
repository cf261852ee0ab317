# One review decision (accept, reject or fix) on one extracted statement, as one transaction.
# pyoxigraph's update() takes no substitutions, so kg/review.py fills the $-placeholders with IRIs only: the statement
# (checked to exist as a cm:ExtractedStatement first), its document graph (read from the store), the status concept
# and the graph names (minted by us). Text from the reviewer (name, note, corrections) never enters this text: it is
# written as quads into the private graph $staging beforehand and moved into cmg:curated here.
PREFIX cm: <https://w3id.org/critmin/ontology/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
# 1. Retract the triple this statement's earlier decision asserted, unless another statement's active decision
#    asserts it too.
DELETE { GRAPH $curated { ?s ?p ?o } }
WHERE {
  GRAPH $curated {
    ?record prov:wasDerivedFrom $statement ; cm:assertionActive true ;
      rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
  }
  FILTER NOT EXISTS {
    GRAPH $curated {
      ?other cm:assertionActive true ; prov:wasDerivedFrom ?otherStatement ;
        rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
    }
    FILTER (?otherStatement != $statement)
  }
} ;
# 2. The earlier decisions stay as history, no longer active.
DELETE { GRAPH $curated { ?record cm:assertionActive true } }
WHERE { GRAPH $curated { ?record prov:wasDerivedFrom $statement ; cm:assertionActive true } } ;
# 3. The statement's new review status, in its document's graph.
DELETE { GRAPH $document { $statement cm:reviewStatus ?old } }
WHERE { GRAPH $document { $statement cm:reviewStatus ?old } } ;
INSERT DATA { GRAPH $document { $statement cm:reviewStatus $status } } ;
# 4. The new decision record (and, for accept and fix, the asserted triple) into the curated graph.
ADD SILENT GRAPH $staging TO GRAPH $curated ;
DROP SILENT GRAPH $staging
