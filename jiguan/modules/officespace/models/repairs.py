"""Major repairs (大中修): requests, the priority score and the bureau's queue."""
