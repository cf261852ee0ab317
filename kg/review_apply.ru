# One review decision (accept, reject or fix) on one extracted statement, as one transaction.
# pyoxigraph's update() takes no substitutions, so kg/review.py fills the $-placeholders with IRIs only: the statement
# (checked to exist as a cm:ExtractedStatement first), its document graph (read from the store), the status concept
# and the graph names (minted by us). Text from the reviewer (name, note, corrections) never enters this text: it is
# written as quads into the private graph $staging beforehand and moved into cmg:curated here.
PREFIX cm: <https://w3id.org/critmin/ontology/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX void: <http://rdfs.org/ns/void#>
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
DROP SILENT GRAPH $staging ;
# 5. The curated graph's catalog entry ($catalog_node in graph $catalog), counted in this same transaction so its
#    triples and records are never stale, whatever a decision added or retracted. The constant text lives here
#    because no loader writes this graph: decisions do, one at a time.
DELETE { GRAPH $catalog { $curated void:triples ?oldTriples ; cm:recordCount ?oldRecords ; dct:modified ?oldModified } }
INSERT {
  GRAPH $catalog {
    $catalog_node dcat:dataset $curated .
    $curated a dcat:Dataset, void:Dataset, prov:Entity ;
      dct:title "Reviewed facts"@en ;
      dct:description "Facts a reviewer accepted (or corrected) from the candidates extracted from documents, asserted as triples, and one curation record per review decision (accept, reject, fix) with who, when, why and the statement and document it came from. Records are never deleted; a retracted decision stays as history."@en ;
      dct:bibliographicCitation "critmin review decisions" ;
      dct:rights "Reviewer decisions by critmin's curators; each accepted fact links, through its record, to the document it was found in, whose own terms apply to the quoted evidence."@en ;
      cm:rejectedCount 0 ;
      cm:problemCount 0 ;
      void:triples ?triples ;
      cm:recordCount ?records ;
      dct:modified ?now .
  }
}
WHERE {
  { SELECT (COUNT(*) AS ?triples) WHERE { GRAPH $curated { ?s ?p ?o } } }
  { SELECT (COUNT(DISTINCT ?record) AS ?records) WHERE { GRAPH $curated { ?record a cm:CurationRecord } } }
  OPTIONAL { GRAPH $catalog { $curated void:triples ?oldTriples } }
  OPTIONAL { GRAPH $catalog { $curated cm:recordCount ?oldRecords } }
  OPTIONAL { GRAPH $catalog { $curated dct:modified ?oldModified } }
  BIND (NOW() AS ?now)
}
