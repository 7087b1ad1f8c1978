"""Accounts: users, passwords, login and logout, and the one authorization rule."""
