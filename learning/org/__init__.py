"""The union hierarchy: units of any depth, and the subtree queries everything else scopes by."""
