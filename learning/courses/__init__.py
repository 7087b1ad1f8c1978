"""Courses: content loaded from `courses/`, lessons, question banks, progress, certificates."""
