"""Pages that belong to no domain: home, health check, language choice."""
