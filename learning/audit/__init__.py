"""The audit log: who changed or exported what, when, with the values before and after."""
