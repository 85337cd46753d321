"""Portal pages of the module, one file per workflow; thin: every change goes through ``services``."""
