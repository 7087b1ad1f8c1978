"""Contests: rounds drawn from question banks, registration, rankings, prizes."""
