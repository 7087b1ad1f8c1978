"""Reports: participation per unit, rolled up through the hierarchy (reads everything;
nothing imports it)."""
