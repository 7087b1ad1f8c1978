"""Notices: what a worker should know (assignments, deadlines, open contest rounds,
reminders), officers' reminders, and the e-mail outbox sent by a background job."""
