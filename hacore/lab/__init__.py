"""`hacore lab`: the course's two-node exercise replayed in network namespaces on one machine
(two load balancers running hacore with the course's files, three web servers, a client),
with the master killed and the failover measured."""
