"""The quick find has no API operation: scripts list organizations and cadres through the
registry's own endpoints (`/api/v1/organizations`, `/api/v1/cadres?q=`)."""
