# Changes the visibility a partner graph's catalog companion states (kg/partner_graphs.py restate_visibility).
DELETE { GRAPH $companion { $graph <http://purl.org/dc/terms/accessRights> ?old } }
INSERT { GRAPH $companion { $graph <http://purl.org/dc/terms/accessRights> $rights } }
WHERE { GRAPH $companion { OPTIONAL { $graph <http://purl.org/dc/terms/accessRights> ?old } } }
