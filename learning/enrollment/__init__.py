"""Enrollment: courses assigned to units (their whole subtree, now and later) or to people."""
