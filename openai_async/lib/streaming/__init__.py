"""Stream helpers: typed events with accumulated snapshots over chat and Responses streams."""
