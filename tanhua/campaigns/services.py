"""The write paths of campaigns (plan rules, the plan, 民主生活会 dates)."""
