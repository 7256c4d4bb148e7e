"""The write paths of rectification. The lists and their workflow: `rules` (who may do
what), `plan` (file, edit, submit, return, approve, the 民主生活会 analyses), `progress`,
`closing` (销号) and `extension`; the tracking half adds `tracking` and `lookback`."""
