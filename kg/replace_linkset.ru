# Puts a staged linkset in place of the partner graph's linkset in one transaction (pyoxigraph's update() is atomic):
# readers see the old proposals and decisions or the new ones, never a mix. kg/link_store.py fills the placeholders.
CREATE SILENT GRAPH $links ;
CLEAR SILENT GRAPH $links ;
ADD SILENT GRAPH $staged TO GRAPH $links ;
DROP SILENT GRAPH $staged
