"""The N business modules (应用子系统). Each is a self-contained Django app registering a ModuleSpec."""
