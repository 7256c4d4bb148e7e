"""No models: a backup is a file outside the database, and what it holds is described by its
own manifest (see services.py). Creating a backup is recorded in the audit trail."""
