"""Example tool catalogs from other domains (see README, "Bring your own tools")."""
