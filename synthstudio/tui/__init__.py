"""The studio: a Textual app over the core (the core never imports this package)."""
