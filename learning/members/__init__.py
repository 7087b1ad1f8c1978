"""Union members: their accounts and the login slips officers hand out."""
