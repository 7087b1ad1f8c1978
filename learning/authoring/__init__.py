"""Authoring in the browser: courses, lessons and the question bank, reviewed before publishing."""
