"""What a person sets: the settings file and its models (:mod:`.settings`), each recipe's
settings (:mod:`.recipes`), and the named choices the settings, the command line and the
studio share (:mod:`.choices`)."""
